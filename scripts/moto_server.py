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

Everything else is moto as shipped.
"""

import sys

from moto.cloudformation.models import CloudFormationBackend, Stack
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

if __name__ == "__main__":
    sys.exit(main())
