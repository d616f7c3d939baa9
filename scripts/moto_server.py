"""moto_server with AWS behaviours that moto's CloudFormation leaves out and ecspoc relies on.

Run it like moto_server: `python3 scripts/moto_server.py -H 127.0.0.1 -p PORT`.

1. Executing a change set leaves the stack with the change set's outputs and parameters, as on
   AWS (moto keeps the outputs and parameters the stack had before: none for a new stack).
2. An `AWS::EC2::Instance` with `NetworkInterfaces` is launched into the first interface's subnet
   and groups, with a public address when that interface asks for one (`AssociatePublicIpAddress`),
   as on AWS (moto's CloudFormation reads only the instance-level `SubnetId` and `SecurityGroups`).
   This gives the bastion of templates/bastion.yml the address AWS gives it: one that changes on
   every stop and start, unlike an Elastic IP.
3. DescribeStacks shows parameters as CloudFormation does: a list (`List<…>`, `CommaDelimitedList`)
   as `a,b`, not as a Python list `['a', 'b']`; an SSM parameter type with the parameter's name as
   ParameterValue and what it resolved to as ResolvedValue (moto shows only the resolved value);
   NoEcho parameters hidden by key.
5. ListContainerInstances and ListTasks page as ECS does: at most `maxResults` (1–100, default 100)
   ARNs a page with a `nextToken` for the rest (moto returns every ARN in one page, so call counts
   measured against it were too low).
6. UpdateStack answers "No updates are to be performed." whenever the template and the parameters
   equal the stack's (moto only did when every parameter was given and the body was inline);
   CreateChangeSet never fails for that reason: as on AWS, the change set is created and ends FAILED
   with "The submitted information didn't contain changes…" (moto's model already does that).
7. An EventBridge rule with an SNS target publishes the event JSON to the topic, as AWS does (moto
   raises NotImplementedError for SNS targets, so every PutEvents matching one of the bundle's rules
   failed with HTTP 500); the rule's other targets (the events log group) get moto's own delivery.
8. CloudFormation creates `AWS::CloudWatch::Alarm` as AWS does, through CloudWatch's PutMetricAlarm,
   with `Ref` giving the alarm name (moto's CloudFormation skipped the type: no alarm was made, and a
   `Ref` to it broke the stack). This is the bastion's idle-stop alarm of templates/bastion.yml; an
   alarm on one metric is carried whole, metric-math alarms (`Metrics`) are not.
9. CloudFormation creates `AWS::EC2::InstanceConnectEndpoint` and `Ref` gives its id, `eice-` and 17
   hex digits, as on AWS (moto knows neither the type nor the EC2 API; a skipped resource broke the
   network stack's output naming it). Nothing can connect through it: it exists for what reads the
   stack (ssh-config --via eice).
10. FilterLogEvents answers at most 1 MB of events a page, as CloudWatch Logs does ("as many log
   events as can fit in 1 MB (up to 10,000 log events)"), with a nextToken for the rest (moto filled
   each page with 10,000 events however large: 2 MB pages in the benches, twice what a tail on AWS
   is ever handed at once).

Everything else is moto as shipped.
"""

import copy
import json
import secrets
import sys

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException, ValidationError
from moto.cloudformation.parsing import get_model_list
from moto.core.common_models import CloudFormationModel
from moto.cloudformation.models import CloudFormationBackend, Stack
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import ActionResult
from moto.ecs.responses import EC2ContainerServiceResponse
from moto.core.utils import iso_8601_datetime_without_milliseconds, utcfromtimestamp
from moto.ec2.models.instances import Instance
from moto.events.models import Rule
from moto.logs.models import LogGroup
from moto.server import main

_create_instance = Instance.create_from_cloudformation_json.__func__


def _instance_from_cloudformation(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    properties = cloudformation_json.get("Properties", {})
    primary = next(
        (n for n in properties.get("NetworkInterfaces") or [] if str(n.get("DeviceIndex")) == "0"), None
    )
    if primary is None or properties.get("SubnetId"):
        return _create_instance(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    from moto.ec2.models import ec2_backends

    backend = ec2_backends[account_id][region_name]
    groups = [backend.get_security_group_from_id(group_id).name for group_id in primary.get("GroupSet", [])]
    nic = {"DeviceIndex": 0, "SubnetId": primary.get("SubnetId")}
    if "AssociatePublicIpAddress" in primary:
        nic["AssociatePublicIpAddress"] = str(primary["AssociatePublicIpAddress"]).lower() == "true"
    reservation = backend.run_instances(
        image_id=properties["ImageId"],
        user_data=properties.get("UserData"),
        count=1,
        security_group_names=groups,
        instance_type=properties.get("InstanceType", "m1.small"),
        is_instance_type_default=not properties.get("InstanceType"),
        subnet_id=primary.get("SubnetId"),
        nics=[nic],
        key_name=properties.get("KeyName"),
        block_device_mappings=properties.get("BlockDeviceMappings", {}),
    )
    instance = reservation.instances[0]
    for tag in properties.get("Tags", []):
        instance.add_tag(tag["Key"], tag["Value"])
    if properties.get("IamInstanceProfile"):
        backend.associate_iam_instance_profile(
            instance_id=instance.id, iam_instance_profile_name=properties.get("IamInstanceProfile")
        )
    return instance


_execute_change_set = CloudFormationBackend.execute_change_set


def _execute_change_set_with_outputs(self, change_set_name, stack_name=None):
    _execute_change_set(self, change_set_name, stack_name)
    change_set = self.change_sets.get(change_set_name) or next(
        cs for cs in self.change_sets.values() if cs.change_set_name == change_set_name and cs.stack_name == stack_name
    )
    stack = self.stacks[change_set.stack_id]
    stack._parse_template()
    stack.description = stack.template_dict.get("Description")
    stack.parameters = change_set.parameters
    stack.output_map = stack._create_output_map()


def _parameter_list(self):
    hidden = self.resource_map.no_echo_parameter_keys
    declared = (self.template_dict or {}).get("Parameters") or {}
    listed = []
    for key, value in self.resource_map.resolved_parameters.items():
        text = ",".join(str(item) for item in value) if isinstance(value, list) else value
        entry = {"ParameterKey": key, "ParameterValue": "****" if key in hidden else text}
        kind = str((declared.get(key) or {}).get("Type", ""))
        if kind.startswith("AWS::SSM::Parameter::"):
            entry["ParameterValue"] = self.parameters.get(key, (declared.get(key) or {}).get("Default"))
            entry["ResolvedValue"] = text
        listed.append(entry)
    return listed


_send_to_targets = Rule.send_to_targets


def _send_to_targets_with_sns(self, original_event, transform_input=True):
    topics = [t for t in self.targets if t["Arn"].split(":")[2:3] == ["sns"]]
    if not topics:
        return _send_to_targets(self, original_event, transform_input)
    if not self.event_pattern.matches_event(original_event):
        return
    from moto.sns.models import sns_backends

    event = dict(original_event)
    if isinstance(event.get("time"), (int, float)):
        event["time"] = iso_8601_datetime_without_milliseconds(utcfromtimestamp(event["time"]))
    for target in topics:
        _, _, _, region, account, _ = target["Arn"].split(":", 5)
        sns_backends[account][region].get_topic(target["Arn"]).publish(json.dumps(event))
    others = copy.copy(self)
    others.targets = [t for t in self.targets if t not in topics]
    _send_to_targets(others, original_event, transform_input)


Rule.send_to_targets = _send_to_targets_with_sns
Stack.parameter_list = property(_parameter_list)
Instance.create_from_cloudformation_json = classmethod(_instance_from_cloudformation)
CloudFormationBackend.execute_change_set = _execute_change_set_with_outputs

# --- 5. ECS list pages -----------------------------------------------------------------------------
# AWS: ListContainerInstances and ListTasks return at most maxResults (1-100; 100 when not given)
# ARNs a page and a nextToken while more remain
# (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ListContainerInstances.html,
# https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ListTasks.html).

ECS_PAGE_MAX = 100


def _ecs_paged(original, key):
    """Wraps a moto list response so that it answers one page of it, with an offset as nextToken."""

    def paged(self):
        arns = list((original(self).result or {}).get(key) or [])
        size = max(1, min(ECS_PAGE_MAX, self._get_int_param("maxResults") or ECS_PAGE_MAX))
        token = self._get_param("nextToken")
        start = int(token) if token and str(token).isdigit() else 0
        page = {key: arns[start : start + size]}
        if start + size < len(arns):
            page["nextToken"] = str(start + size)
        return ActionResult(page)

    return paged


def _page_ecs_lists():
    responses = EC2ContainerServiceResponse
    responses.list_container_instances = _ecs_paged(responses.list_container_instances, "containerInstanceArns")
    responses.list_tasks = _ecs_paged(responses.list_tasks, "taskArns")


# --- 6. "No updates are to be performed." ------------------------------------------------------------
# AWS: UpdateStack fails with ValidationError "No updates are to be performed." when neither the
# template nor the parameters change; CreateChangeSet instead creates a change set that fails with
# "The submitted information didn't contain changes. Submit different information to create a change
# set." (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-changesets.html).


def _validate_unchanged_update(self, incoming_params, stack_body, old_stack):
    if self._get_param("ChangeSetName"):
        # CreateChangeSet: moto's model marks an unchanged change set FAILED, as AWS does.
        return
    given = {}
    for param in incoming_params or []:
        key = param.get("ParameterKey")
        if str(param.get("UsePreviousValue", "")).lower() == "true":
            given[key] = old_stack.parameters.get(key, old_stack.stack_parameters.get(key))
        else:
            given[key] = param.get("ParameterValue")
    # has_template parses the stored template afresh (the parsed copy is changed while resources are made).
    same_template = old_stack.has_template(stack_body or old_stack.template)
    if same_template and given == dict(old_stack.parameters or {}):
        raise ValidationError(old_stack.name, message="No updates are to be performed.")


def _say_no_updates_like_aws():
    CloudFormationResponse._validate_different_update = _validate_unchanged_update


# --- 8. AWS::CloudWatch::Alarm ----------------------------------------------------------------------
# AWS: the resource is made with PutMetricAlarm's properties, Ref returns the alarm name, and a
# replacement or stack deletion deletes the alarm
# (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudwatch-alarm.html).
# CloudWatch accepts the EC2 actions `arn:aws:automate:REGION:ec2:stop|terminate|reboot|recover` as
# AlarmActions (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html);
# moto stores actions as given, so nothing more is needed for them.


class _CloudFormationAlarm(CloudFormationModel):
    # moto files each model under the service its module names (moto.<service>.…).
    __module__ = "moto.cloudwatch.cloudformation"

    def __init__(self, name, arn):
        self.name = name
        self.arn = arn

    @property
    def physical_resource_id(self):
        return self.name

    @staticmethod
    def cloudformation_name_type():
        return "AlarmName"

    @staticmethod
    def cloudformation_type():
        return "AWS::CloudWatch::Alarm"

    @classmethod
    def has_cfn_attr(cls, attr):
        return attr == "Arn"

    def get_cfn_attribute(self, attribute_name):
        if attribute_name == "Arn":
            return self.arn
        raise UnformattedGetAttTemplateException()

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        from moto.cloudwatch.models import cloudwatch_backends

        props = cloudformation_json.get("Properties", {})
        name = props.get("AlarmName") or resource_name
        alarm = cloudwatch_backends[account_id][region_name].put_metric_alarm(
            name=name,
            namespace=props.get("Namespace"),
            metric_name=props.get("MetricName"),
            comparison_operator=props.get("ComparisonOperator"),
            evaluation_periods=int(props.get("EvaluationPeriods")),
            period=int(props["Period"]) if props.get("Period") is not None else None,
            threshold=float(props["Threshold"]) if props.get("Threshold") is not None else None,
            statistic=props.get("Statistic"),
            description=props.get("AlarmDescription"),
            dimensions=[{"Name": d["Name"], "Value": d["Value"]} for d in props.get("Dimensions") or []],
            alarm_actions=list(props.get("AlarmActions") or []),
            ok_actions=list(props.get("OKActions") or []),
            insufficient_data_actions=list(props.get("InsufficientDataActions") or []),
            datapoints_to_alarm=int(props["DatapointsToAlarm"]) if props.get("DatapointsToAlarm") else None,
            treat_missing_data=props.get("TreatMissingData"),
            actions_enabled=str(props.get("ActionsEnabled", "true")).lower() == "true",
        )
        return cls(name, alarm.alarm_arn)

    @classmethod
    def update_from_cloudformation_json(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):
        cls.delete_from_cloudformation_json(original_resource.name, cloudformation_json, account_id, region_name)
        return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        from moto.cloudwatch.models import cloudwatch_backends

        cloudwatch_backends[account_id][region_name].delete_alarms([resource_name])


# --- 9. AWS::EC2::InstanceConnectEndpoint -------------------------------------------------------------
# AWS: Ref returns the endpoint id, e.g. eice-0123456789abcdef0
# (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-instanceconnectendpoint.html).


class _CloudFormationInstanceConnectEndpoint(CloudFormationModel):
    __module__ = "moto.ec2.cloudformation"

    def __init__(self, endpoint_id, subnet_id):
        self.id = endpoint_id
        self.subnet_id = subnet_id

    @property
    def physical_resource_id(self):
        return self.id

    @staticmethod
    def cloudformation_name_type():
        return ""

    @staticmethod
    def cloudformation_type():
        return "AWS::EC2::InstanceConnectEndpoint"

    @classmethod
    def has_cfn_attr(cls, attr):
        return False

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json.get("Properties", {})
        return cls("eice-" + secrets.token_hex(9)[:17], props.get("SubnetId"))

    @classmethod
    def update_from_cloudformation_json(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        return None


_page_ecs_lists()
_say_no_updates_like_aws()
# --- 10. FilterLogEvents pages of at most 1 MB ----------------------------------------------------------
# AWS: "By default, this operation returns as many log events as can fit in 1 MB (up to 10,000 log
# events) or all the events found within the time range that you specify. If the results include a
# token, there are more log events available" (CloudWatch Logs API reference, FilterLogEvents). The
# size counted here is the events' JSON, the bulk of the response.

LOG_PAGE_BYTES = 1024 * 1024


def _filter_log_events_in_1mb_pages():
    original = LogGroup.filter_log_events

    def paged(self, log_group_name, log_stream_names, start_time, end_time, limit, next_token, filter_pattern, interleaved):
        events, token, searched = original(
            self, log_group_name, log_stream_names, start_time, end_time, limit, next_token, filter_pattern, interleaved
        )
        size = 0
        for index, event in enumerate(events):
            size += len(json.dumps(event)) + 1
            if size > LOG_PAGE_BYTES and index > 0:
                last = events[index - 1]
                return events[:index], f"{log_group_name}@{last['logStreamName']}@{last['eventId']}", searched
        return events, token, searched

    LogGroup.filter_log_events = paged


_filter_log_events_in_1mb_pages()

# moto lists CloudFormation models once, on first use, from CloudFormationModel's subclasses: the two
# above are defined before that.
assert get_model_list.cache_info().currsize == 0

if __name__ == "__main__":
    sys.exit(main())
