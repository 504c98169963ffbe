import { describe, expect, test } from "bun:test";
import { extractResources, mergeResources, type Resource } from "./resources.ts";

const I = "AWS::EC2::Instance";

describe("extractResources", () => {
  const cases: [string, unknown, Resource[], string?][] = [
    ["null", null, []],
    ["string", "i-1", []],
    ["array", [{ InstanceId: "i-1" }], []],
    ["InstanceId", { InstanceId: "i-1" }, [{ type: I, name: "i-1" }]],
    ["instanceId", { instanceId: "i-1" }, [{ type: I, name: "i-1" }]],
    [
      "InstanceId.n",
      { "InstanceId.1": "i-1", "InstanceId.2": "i-2", "InstanceId.3": "i-1" },
      [
        { type: I, name: "i-1" },
        { type: I, name: "i-2" },
      ],
    ],
    [
      "InstanceIds array",
      { InstanceIds: ["i-1", "i-2"] },
      [
        { type: I, name: "i-1" },
        { type: I, name: "i-2" },
      ],
    ],
    [
      "instancesSet.items",
      { instancesSet: { items: [{ instanceId: "i-a" }, { instanceId: "i-b" }] } },
      [
        { type: I, name: "i-a" },
        { type: I, name: "i-b" },
      ],
    ],
    ["VolumeId", { VolumeId: "vol-1" }, [{ type: "AWS::EC2::Volume", name: "vol-1" }]],
    ["GroupId", { GroupId: "sg-1" }, [{ type: "AWS::EC2::SecurityGroup", name: "sg-1" }]],
    ["SnapshotId", { SnapshotId: "snap-1" }, [{ type: "AWS::EC2::Snapshot", name: "snap-1" }]],
    ["ImageId", { ImageId: "ami-1" }, [{ type: "AWS::EC2::Ami", name: "ami-1" }]],
    ["VpcId", { VpcId: "vpc-1" }, [{ type: "AWS::EC2::VPC", name: "vpc-1" }]],
    ["SubnetId", { SubnetId: "subnet-1" }, [{ type: "AWS::EC2::Subnet", name: "subnet-1" }]],
    ["NetworkInterfaceId", { NetworkInterfaceId: "eni-1" }, [{ type: "AWS::EC2::NetworkInterface", name: "eni-1" }]],
    ["AllocationId", { AllocationId: "eipalloc-1" }, [{ type: "AWS::EC2::EIP", name: "eipalloc-1" }]],
    ["KeyName", { KeyName: "deploy" }, [{ type: "AWS::EC2::KeyPair", name: "deploy" }]],
    ["RDS", { DBInstanceIdentifier: "db1" }, [{ type: "AWS::RDS::DBInstance", name: "db1" }]],
    ["Bucket", { Bucket: "b1" }, [{ type: "AWS::S3::Bucket", name: "b1" }]],
    ["bucketName", { bucketName: "b1", Bucket: "b1" }, [{ type: "AWS::S3::Bucket", name: "b1" }]],
    ["TrailName", { TrailName: "t1" }, [{ type: "AWS::CloudTrail::Trail", name: "t1" }]],
    ["Name for cloudtrail", { Name: "t1", S3BucketName: "b" }, [{ type: "AWS::CloudTrail::Trail", name: "t1" }], "cloudtrail.amazonaws.com"],
    ["Name elsewhere ignored", { Name: "t1" }, [], "ec2.amazonaws.com"],
    ["empty and non-string ignored", { InstanceId: "", VolumeId: 5, GroupId: null }, []],
    [
      "mixed, order stable",
      { VolumeId: "vol-1", InstanceId: "i-1", groupSet: { items: [{ groupId: "sg-1" }] } },
      [
        { type: "AWS::EC2::Volume", name: "vol-1" },
        { type: I, name: "i-1" },
        { type: "AWS::EC2::SecurityGroup", name: "sg-1" },
      ],
    ],
    ["unrelated keys", { DryRun: true, MaxCount: 1, Filters: [{ Name: "x", Values: ["y"] }] }, []],
  ];
  for (const [label, params, expected, source] of cases)
    test(label, () => {
      expect(extractResources(params, source)).toEqual(expected);
    });
  test("deep nesting is bounded", () => {
    let deep: Record<string, unknown> = { InstanceId: "i-deep" };
    for (let i = 0; i < 50; i++) deep = { nested: deep };
    expect(extractResources(deep)).toEqual([]);
  });
});

test("mergeResources keeps first occurrence", () => {
  expect(
    mergeResources(
      [{ type: I, name: "i-1" }],
      [
        { type: I, name: "i-1" },
        { type: I, name: "i-2" },
      ],
    ),
  ).toEqual([
    { type: I, name: "i-1" },
    { type: I, name: "i-2" },
  ]);
});
