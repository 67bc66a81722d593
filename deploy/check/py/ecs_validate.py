#!/usr/bin/env python3
"""Validates ECS API inputs offline, against the service model that botocore ships.

    ecs_validate.py RegisterTaskDefinition ecs-ui.json [more.json ...]
    ecs_validate.py CreateService service-ui.json

Each file is checked twice: by botocore's own parameter validator (unknown keys, wrong types,
missing required members, lengths below the model's minimum: what the AWS CLI rejects before
sending), then by the rules the ECS service itself applies to Fargate tasks and services that the
model cannot express (valid cpu/memory pairs, awsvpc, host ports, roles for secrets and logs,
nofile limits, ...). Prints every problem and exits 1 if there is one, else prints `ok` lines.
"""

import json
import re
import sys

import botocore.session
from botocore.validate import ParamValidator

# Fargate's task sizes: cpu units -> allowed memory (MiB).
FARGATE_MEMORY = {
    256: [512, 1024, 2048],
    512: list(range(1024, 4097, 1024)),
    1024: list(range(2048, 8193, 1024)),
    2048: list(range(4096, 16385, 1024)),
    4096: list(range(8192, 30721, 1024)),
    8192: list(range(16384, 61441, 4096)),
    16384: list(range(32768, 122881, 8192)),
}
FARGATE_LOG_DRIVERS = {"awslogs", "splunk", "awsfirelens"}
FARGATE_MAX_NOFILE = 1048576
NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
SECRET_ARN = re.compile(
    r"^arn:aws[a-z-]*:(ssm:[a-z0-9-]+:\d{12}:parameter/.+|secretsmanager:[a-z0-9-]+:\d{12}:secret:.+)$"
)

_session = None


def service_model(service):
    """The botocore model of an AWS service (ecs, sts, ssm, ...)."""
    global _session
    if _session is None:
        _session = botocore.session.get_session()
    return _session.get_service_model(service)


def shape_errors(service, operation, params):
    """botocore's parameter validation of `params` as the input of `operation`."""
    shape = service_model(service).operation_model(operation).input_shape
    report = ParamValidator().validate(params, shape)
    if not report.has_errors():
        return []
    return [line for line in report.generate_report().splitlines() if line.strip()]


def _units(value, unit):
    """Task cpu/memory as ECS reads them: `1024`, `1 vCPU` (x1024) or `2 GB` (x1024)."""
    text = str(value).strip().upper()
    scale = 1
    if text.endswith(unit):
        text, scale = text[: -len(unit)].strip(), 1024
    try:
        return int(float(text) * scale)
    except ValueError:
        return None


def task_definition_rules(params):
    """What ECS rejects in a Fargate RegisterTaskDefinition beyond the model."""
    errors = []
    containers = params.get("containerDefinitions") or []
    if not NAME.match(str(params.get("family", ""))):
        errors.append("family must be 1-255 letters, digits, hyphens or underscores")
    if not any(c.get("essential", True) for c in containers):
        errors.append("at least one container must be essential")
    names = [c.get("name") for c in containers]
    if len(set(names)) != len(names):
        errors.append("container names must be unique")
    for i, c in enumerate(containers):
        where = f"containerDefinitions[{i}]"
        if not NAME.match(str(c.get("name", ""))):
            errors.append(f"{where}.name is required: 1-255 letters, digits, hyphens or underscores")
        if not c.get("image"):
            errors.append(f"{where}.image is required")
    if "FARGATE" not in (params.get("requiresCompatibilities") or []):
        return errors

    if params.get("networkMode") != "awsvpc":
        errors.append("Fargate tasks need networkMode awsvpc")
    cpu, memory = _units(params.get("cpu"), "VCPU"), _units(params.get("memory"), "GB")
    if cpu is None or memory is None:
        errors.append("Fargate tasks need task-level cpu and memory")
    elif cpu not in FARGATE_MEMORY:
        errors.append(f"cpu {cpu} is not a Fargate size ({sorted(FARGATE_MEMORY)})")
    elif memory not in FARGATE_MEMORY[cpu]:
        errors.append(f"memory {memory} MiB is not allowed with cpu {cpu} on Fargate")
    needs_execution_role = False
    container_memory = 0
    for i, c in enumerate(containers):
        where = f"containerDefinitions[{i}]"
        container_memory += c.get("memoryReservation") or c.get("memory") or 0
        seen_ports = set()
        for j, p in enumerate(c.get("portMappings") or []):
            if "hostPort" in p and p["hostPort"] != p.get("containerPort"):
                errors.append(f"{where}.portMappings[{j}]: hostPort must equal containerPort in awsvpc mode")
            key = (p.get("containerPort"), p.get("protocol", "tcp"))
            if key in seen_ports:
                errors.append(f"{where}.portMappings[{j}]: port {key[0]}/{key[1]} mapped twice")
            seen_ports.add(key)
        port_names = [p["name"] for p in c.get("portMappings") or [] if "name" in p]
        if len(set(port_names)) != len(port_names):
            errors.append(f"{where}: port mapping names must be unique")
        for s in c.get("secrets") or []:
            needs_execution_role = True
            if not SECRET_ARN.match(str(s.get("valueFrom", ""))) and not str(
                s.get("valueFrom", "")
            ).startswith("/"):
                errors.append(f"{where}: secret {s.get('name')} valueFrom is not an SSM or Secrets Manager ARN")
        log = c.get("logConfiguration")
        if log:
            if log.get("logDriver") not in FARGATE_LOG_DRIVERS:
                errors.append(f"{where}: log driver {log.get('logDriver')} is not supported on Fargate")
            if log.get("logDriver") == "awslogs":
                needs_execution_role = True
                options = log.get("options") or {}
                for option in ("awslogs-group", "awslogs-region"):
                    if not options.get(option):
                        errors.append(f"{where}: awslogs needs the option {option}")
                if not options.get("awslogs-stream-prefix"):
                    errors.append(f"{where}: awslogs on Fargate needs awslogs-stream-prefix")
        for u in c.get("ulimits") or []:
            if u.get("softLimit", 0) > u.get("hardLimit", 0):
                errors.append(f"{where}: ulimit {u.get('name')} soft limit above hard limit")
            if u.get("name") == "nofile" and u.get("hardLimit", 0) > FARGATE_MAX_NOFILE:
                errors.append(f"{where}: nofile above Fargate's {FARGATE_MAX_NOFILE}")
        linux = c.get("linuxParameters") or {}
        for unsupported in ("devices", "sharedMemorySize", "tmpfs", "maxSwap", "swappiness"):
            if unsupported in linux:
                errors.append(f"{where}: linuxParameters.{unsupported} is not supported on Fargate")
        if c.get("privileged"):
            errors.append(f"{where}: privileged containers are not supported on Fargate")
        if c.get("stopTimeout", 0) > 120:
            errors.append(f"{where}: stopTimeout above Fargate's 120 seconds")
    if memory is not None and container_memory > memory:
        errors.append("the containers reserve more memory than the task has")
    if needs_execution_role and not params.get("executionRoleArn"):
        errors.append("secrets and awslogs need an executionRoleArn")
    return errors


def service_rules(params):
    """What ECS rejects in a Fargate CreateService beyond the model."""
    errors = []
    if params.get("launchType") == "FARGATE":
        vpc = (params.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}
        subnets = vpc.get("subnets") or []
        if not subnets:
            errors.append("Fargate services need networkConfiguration.awsvpcConfiguration.subnets")
        if len(subnets) > 16:
            errors.append("at most 16 subnets")
        if len(vpc.get("securityGroups") or []) > 5:
            errors.append("at most 5 security groups")
    connect = params.get("serviceConnectConfiguration") or {}
    for i, s in enumerate(connect.get("services") or []):
        for alias in s.get("clientAliases") or []:
            if not 0 < alias.get("port", 0) < 65536:
                errors.append(f"serviceConnectConfiguration.services[{i}]: alias port out of range")
    return errors


RULES = {"RegisterTaskDefinition": task_definition_rules, "CreateService": service_rules}


def validate(operation, params):
    """Every problem of `params` as the ECS `operation` input (an empty list when valid)."""
    errors = shape_errors("ecs", operation, params)
    rules = RULES.get(operation)
    if rules is not None and not errors:
        errors += rules(params)
    return errors


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    operation, files = argv[1], argv[2:]
    failed = False
    for path in files:
        with open(path, encoding="utf-8") as f:
            params = json.load(f)
        errors = validate(operation, params)
        for error in errors:
            print(f"{path}: {error}")
        if errors:
            failed = True
        else:
            print(f"{path}: ok ({operation})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
