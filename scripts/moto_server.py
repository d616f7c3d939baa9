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

Everything else is moto as shipped.
"""

import sys

from moto.cloudformation.models import CloudFormationBackend, Stack
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

if __name__ == "__main__":
    sys.exit(main())
