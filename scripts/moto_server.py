"""moto_server with AWS behaviours that moto's CloudFormation leaves out and ecspoc relies on.

Run it like moto_server: `python3 scripts/moto_server.py -H 127.0.0.1 -p PORT`.

1. `AWS::EC2::Subnet` `MapPublicIpOnLaunch: true` is applied (moto ignores the property).
2. An instance launched without an explicit `AssociatePublicIpAddress` follows its subnet's
   `MapPublicIpOnLaunch`, as on AWS (moto's CloudFormation launches with "no public IP").
   With 1, this gives the bastion of templates/bastion.yml the public address AWS gives it: one
   that changes on every stop and start, unlike an Elastic IP.
3. Executing a change set leaves the stack with the change set's outputs and parameters, as on
   AWS (moto keeps the outputs and parameters the stack had before: none for a new stack).
4. DescribeStacks shows parameters as CloudFormation does: a list (`List<…>`, `CommaDelimitedList`)
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
from moto.ec2.models.subnets import Subnet
from moto.server import main

_create_subnet = Subnet.create_from_cloudformation_json.__func__
_init_instance = Instance.__init__


def _subnet_from_cloudformation(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    subnet = _create_subnet(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    value = cloudformation_json.get("Properties", {}).get("MapPublicIpOnLaunch")
    if str(value).lower() == "true":
        subnet.map_public_ip_on_launch = True
    return subnet


def _instance_init(self, ec2_backend, image_id, user_data, security_groups, **kwargs):
    # None means "not said": moto then asks the subnet, as AWS does.
    kwargs.setdefault("associate_public_ip", None)
    _init_instance(self, ec2_backend, image_id, user_data, security_groups, **kwargs)


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


Subnet.create_from_cloudformation_json = classmethod(_subnet_from_cloudformation)
Stack.parameter_list = property(_parameter_list)
Instance.__init__ = _instance_init
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
