#!/usr/bin/env python3
"""A stand-in for the AWS CLI v2, for testing the scripts that call it.

It records every call as one JSON line in $FAKE_LOG (arguments, and the resolved request
parameters) and answers the calls the scripts make as the real CLI does: the same options
(checked against botocore's models, `--cli-input-json file://...` merged with the options given),
the same validation errors (exit 252), the same service errors (exit 254, e.g. updating a service
that does not exist), `--query` applied with JMESPath and `--output json|text` formatted alike.
State (task definition revisions, services) lives in the JSON file $FAKE_STATE.

Configuration: FAKE_AWS_ACCOUNT [123456789012], FAKE_AWS_PARTITION [aws], FAKE_AWS_SERVICES
(comma-separated services that exist at the start), FAKE_AWS_TASKS (JSON: service -> task ids),
FAKE_AWS_NO_CREDENTIALS=1 (every call fails as without credentials).
"""

import json
import os
import shutil
import sys

import botocore
import jmespath

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ecs_validate  # noqa: E402

GLOBAL_WITH_VALUE = {"--region", "--output", "--query", "--profile", "--endpoint-url", "--color"}
GLOBAL_FLAGS = {"--no-cli-pager", "--no-paginate", "--debug", "--no-verify-ssl"}
ACCOUNT = os.environ.get("FAKE_AWS_ACCOUNT", "123456789012")
PARTITION = os.environ.get("FAKE_AWS_PARTITION", "aws")


class CliError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def service_error(code, operation, message):
    return CliError(254, f"\nAn error occurred ({code}) when calling the {operation} operation: {message}")


def parse(argv):
    """(global options, service, operation words, operation options)."""
    globals_, words, options = {}, [], {}
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in GLOBAL_WITH_VALUE:
            if i + 1 >= len(argv):
                raise CliError(252, f"aws: error: argument {arg}: expected one argument")
            globals_[arg] = argv[i + 1]
            i += 2
        elif arg in GLOBAL_FLAGS:
            globals_[arg] = True
            i += 1
        elif arg.startswith("--"):
            values = []
            i += 1
            while i < len(argv) and not argv[i].startswith("--"):
                values.append(argv[i])
                i += 1
            if arg in options:
                raise CliError(252, f"aws: error: argument {arg}: given twice")
            options[arg] = values
        else:
            if options:
                raise CliError(252, f"aws: error: unexpected argument {arg}")
            words.append(arg)
            i += 1
    if len(words) < 2:
        raise CliError(252, "usage: aws [options] <command> <subcommand> [<subcommand> ...] [parameters]")
    return globals_, words[0], words[1:], options


def operation_name(service, word):
    model = ecs_validate.service_model(service)
    for name in model.operation_names:
        if botocore.xform_name(name, "-") == word:
            return name
    raise CliError(252, f"aws: error: argument operation: Invalid choice: '{word}'")


def coerce(shape, values, option):
    kind = shape.type_name
    if kind == "list":
        member = shape.member
        return [coerce(member, [v], option) for v in values]
    if len(values) != 1:
        raise CliError(252, f"aws: error: argument {option}: expected one argument")
    value = values[0]
    if kind in ("structure", "map"):
        try:
            return json.loads(value)
        except json.JSONDecodeError as e:
            raise CliError(252, f"Error parsing parameter '{option}': Invalid JSON: {e}")
    if kind in ("integer", "long"):
        try:
            return int(value)
        except ValueError:
            raise CliError(252, f"invalid literal for int() with base 10: '{value}'")
    return value


def request_params(service, operation, options):
    """The request a real CLI would send: cli-input-json merged with the options."""
    shape = ecs_validate.service_model(service).operation_model(operation).input_shape
    members = {botocore.xform_name(name, "-"): name for name in shape.members}
    params = {}
    if "--cli-input-json" in options:
        (source,) = options.pop("--cli-input-json") or [None]
        if not source or not source.startswith("file://"):
            raise CliError(252, "the scripts pass --cli-input-json file://PATH")
        path = source[len("file://"):]
        try:
            with open(path, encoding="utf-8") as f:
                params = json.load(f)
        except (OSError, json.JSONDecodeError) as e:
            raise CliError(255, f"Error parsing parameter 'cli-input-json': {e}")
    for option, values in options.items():
        name = option[2:]
        negated = name.startswith("no-") and name[3:] in members
        member = members.get(name[3:] if negated else name)
        if member is None:
            raise CliError(252, f"\nUnknown options: {option}")
        member_shape = shape.members[member]
        if member_shape.type_name == "boolean":
            if values:
                raise CliError(252, f"aws: error: argument {option}: ignored explicit argument")
            params[member] = not negated
        else:
            params[member] = coerce(member_shape, values, option)
    errors = ecs_validate.shape_errors(service, operation, params)
    if errors:
        raise CliError(252, "\nParameter validation failed:\n" + "\n".join(errors))
    return params


def load_state():
    path = os.environ["FAKE_STATE"]
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    services = [s for s in os.environ.get("FAKE_AWS_SERVICES", "").split(",") if s]
    return {
        "revisions": {},
        "task_definitions": [],
        "services": {s: {"serviceName": s, "status": "ACTIVE", "desiredCount": 1} for s in services},
    }


def save_state(state):
    with open(os.environ["FAKE_STATE"], "w", encoding="utf-8") as f:
        json.dump(state, f, indent=2)


def arn(region, resource, service="ecs"):
    return f"arn:{PARTITION}:{service}:{region}:{ACCOUNT}:{resource}"


def answer(state, region, service, operation, params):
    """The response of one call (a dict), updating `state`."""
    if service == "sts" and operation == "GetCallerIdentity":
        return {
            "UserId": "AROAFAKEFAKEFAKE:codebuild",
            "Account": ACCOUNT,
            "Arn": f"arn:{PARTITION}:sts::{ACCOUNT}:assumed-role/codebuild-milmove-load/session",
        }
    if service == "ecs" and operation == "RegisterTaskDefinition":
        errors = ecs_validate.task_definition_rules(params)
        if errors:
            raise service_error("ClientException", operation, "; ".join(errors))
        family = params["family"]
        revision = state["revisions"].get(family, 0) + 1
        state["revisions"][family] = revision
        task_arn = arn(region, f"task-definition/{family}:{revision}")
        state["task_definitions"].append(task_arn)
        return {"taskDefinition": {**params, "taskDefinitionArn": task_arn, "revision": revision, "status": "ACTIVE"}}
    if service == "ecs" and operation == "DescribeServices":
        cluster = params.get("cluster", "default")
        found, failures = [], []
        for name in params["services"]:
            entry = state["services"].get(name)
            if entry:
                found.append({**entry, "serviceArn": arn(region, f"service/{cluster}/{name}")})
            else:
                failures.append({"arn": arn(region, f"service/{cluster}/{name}"), "reason": "MISSING"})
        return {"services": found, "failures": failures}
    if service == "ecs" and operation in ("CreateService", "UpdateService"):
        name = params.get("serviceName") or params.get("service")
        definition = params.get("taskDefinition")
        if definition and definition not in state["task_definitions"]:
            raise service_error("ClientException", operation, "TaskDefinition not found.")
        if operation == "CreateService":
            errors = ecs_validate.service_rules(params)
            if errors:
                raise service_error("InvalidParameterException", operation, "; ".join(errors))
            if name in state["services"]:
                raise service_error("InvalidParameterException", operation, "Creation of service was not idempotent.")
            entry = {"serviceName": name, "status": "ACTIVE", "desiredCount": params.get("desiredCount", 0)}
        else:
            entry = state["services"].get(name)
            if entry is None:
                raise service_error("ServiceNotFoundException", operation, "Service not found.")
            if "desiredCount" in params:
                entry["desiredCount"] = params["desiredCount"]
        entry["taskDefinition"] = definition or entry.get("taskDefinition")
        state["services"][name] = entry
        cluster = params.get("cluster", "default")
        return {"service": {**entry, "serviceArn": arn(region, f"service/{cluster}/{name}")}}
    if service == "ecs" and operation == "ListTasks":
        cluster = params.get("cluster", "default")
        tasks = json.loads(os.environ.get("FAKE_AWS_TASKS", "{}")).get(params.get("serviceName"), [])
        return {"taskArns": [arn(region, f"task/{cluster}/{t}") for t in tasks]}
    if service == "ecs" and operation == "DescribeTasks":
        tasks = []
        for task in params["tasks"]:
            task_id = task.rsplit("/", 1)[-1]
            tasks.append({
                "taskArn": task if task.startswith("arn:") else arn(region, f"task/{params.get('cluster', 'default')}/{task}"),
                "lastStatus": "RUNNING",
                "containers": [{"name": "milmove-load", "runtimeId": f"{task_id}-3261458012", "lastStatus": "RUNNING"}],
            })
        return {"tasks": tasks, "failures": []}
    if service == "ssm" and operation == "StartSession":
        if shutil.which("session-manager-plugin") is None:
            raise CliError(255, "\nSessionManagerPlugin is not found. Please refer to SessionManager Documentation here: "
                           "http://docs.aws.amazon.com/console/systems-manager/session-manager-plugin-not-found")
        print("\nStarting session with SessionId: codebuild-0fakefakefakefake")
        print(f"Port {params['Parameters']['localPortNumber'][0]} opened for sessionId codebuild-0fakefakefakefake.")
        return None
    raise CliError(252, f"the fake aws does not know {service} {operation}")


def text_output(value):
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (str, int, float)):
        return str(value)
    if isinstance(value, dict):
        return "\t".join(text_output(v) for v in value.values())
    if all(not isinstance(v, (list, dict)) for v in value):
        return "\t".join(text_output(v) for v in value)
    return "\n".join(text_output(v) for v in value)


def main(argv):
    record = {"tool": "aws", "argv": argv}
    try:
        globals_, service, words, options = parse(argv)
        record["service"] = service
        record["command"] = words
        if os.environ.get("FAKE_AWS_NO_CREDENTIALS") == "1":
            raise CliError(253, '\nUnable to locate credentials. You can configure credentials by running "aws configure".')
        region = globals_.get("--region") or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        if not region and service != "sts":
            raise CliError(253, 'You must specify a region. You can also configure your region by running "aws configure".')
        state = load_state()
        if service == "ecr" and words == ["get-login-password"]:
            if options:
                raise CliError(252, f"\nUnknown options: {', '.join(options)}")
            record["params"] = {}
            response, raw = None, "ZmFrZS1lY3ItdG9rZW4tZm9yLXRlc3Rz"
        elif service == "ecs" and words == ["wait", "services-stable"]:
            params = request_params("ecs", "DescribeServices", options)
            record["params"] = params
            for name in params["services"]:
                if name not in state["services"]:
                    raise CliError(255, "\nWaiter ServicesStable failed: Waiter encountered a terminal failure state: "
                                        "For expression \"failures[].reason\" we matched expected path: \"MISSING\"")
            response, raw = None, None
        else:
            if len(words) != 1:
                raise CliError(252, f"aws: error: unknown command {' '.join(words)}")
            operation = operation_name(service, words[0])
            params = request_params(service, operation, options)
            record["operation"] = operation
            record["params"] = params
            response = answer(state, region, service, operation, params)
            raw = None
        save_state(state)
        record["exit"] = 0
        if raw is not None:
            print(raw)
        elif response is not None:
            if "--query" in globals_:
                response = jmespath.search(globals_["--query"], response)
            if globals_.get("--output", "json") == "text":
                print(text_output(response))
            else:
                print(json.dumps(response, indent=4))
        return 0
    except CliError as e:
        record["exit"] = e.code
        record["error"] = str(e)
        print(str(e), file=sys.stderr)
        return e.code
    finally:
        with open(os.environ["FAKE_LOG"], "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
