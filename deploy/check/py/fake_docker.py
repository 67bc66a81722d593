#!/usr/bin/env python3
"""A stand-in for the docker client, for testing the scripts that call it.

Records every call as one JSON line in $FAKE_LOG (for `login --password-stdin`, how many bytes
arrived on standard input, never the password) and answers like docker: `build` checks that the
context folder has a Dockerfile, `login` needs a password on standard input, `push` prints a
digest. FAKE_DOCKER_FAIL=build|login|push makes that command fail as docker does.
"""

import hashlib
import json
import os
import sys


def main(argv):
    record = {"tool": "docker", "argv": argv}
    code = 0
    try:
        command = argv[0] if argv else ""
        fail = os.environ.get("FAKE_DOCKER_FAIL") == command
        if command == "login":
            if "--password-stdin" not in argv:
                print("WARNING! Using --password via the CLI is insecure. Use --password-stdin.", file=sys.stderr)
            else:
                secret = sys.stdin.read()
                record["stdin_bytes"] = len(secret.encode())
                if not secret.strip():
                    print("Error: Cannot perform an interactive login from a non TTY device", file=sys.stderr)
                    code = 1
            if fail:
                print("Error response from daemon: login attempt failed with status: 401 Unauthorized", file=sys.stderr)
                code = 1
            elif code == 0:
                print("Login Succeeded")
        elif command == "build":
            context = argv[-1]
            if not os.path.isfile(os.path.join(context, "Dockerfile")):
                print(f"ERROR: failed to solve: failed to read dockerfile: open {context}/Dockerfile: no such file or directory", file=sys.stderr)
                code = 1
            elif fail:
                print("ERROR: failed to solve: process \"/bin/sh -c cargo build\" did not complete successfully: exit code: 101", file=sys.stderr)
                code = 1
            else:
                tag = argv[argv.index("--tag") + 1] if "--tag" in argv else "<none>"
                print(f"#1 naming to {tag} done")
        elif command == "push":
            image = argv[1]
            if fail:
                print(f"denied: requested access to the resource is denied ({image})", file=sys.stderr)
                code = 1
            else:
                digest = hashlib.sha256(image.encode()).hexdigest()
                print(f"{image.rsplit(':', 1)[-1]}: digest: sha256:{digest} size: 2206")
        else:
            print(f"docker: '{command}' is not a docker command the fake knows.", file=sys.stderr)
            code = 1
        return code
    finally:
        record["exit"] = code
        with open(os.environ["FAKE_LOG"], "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
