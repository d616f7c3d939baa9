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

Everything else is moto as shipped.
"""

import sys

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import CloudFormationBackend, Stack
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import ActionResult
from moto.ecs.responses import EC2ContainerServiceResponse
from moto.ec2.models.instances import Instance
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


_page_ecs_lists()
_say_no_updates_like_aws()

if __name__ == "__main__":
    sys.exit(main())
