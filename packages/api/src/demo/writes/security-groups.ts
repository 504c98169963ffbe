/** Writes that open or close a port on one of the project's security groups. */
import { items } from "../ec2-shapes.ts";
import { emitWrite, refuse, type WriteHandler } from "./write.ts";

/** AuthorizeSecurityGroupIngress or RevokeSecurityGroupIngress for one TCP port; SSH only from the actor's own address. */
export const changeIngress: WriteHandler = (ctx, call) => {
  const { rnd } = ctx;
  const port = rnd.pick([22, 80, 443, 5432, 6379, 8080]);
  const cidrIp = port === 22 ? `${call.actor.sourceIp}/32` : rnd.pick(["0.0.0.0/0", "10.0.0.0/16", "192.0.2.0/24"]);
  const requestParameters = {
    groupId: rnd.pick(ctx.world.securityGroups[call.project]),
    ipPermissions: items([{ ipProtocol: "tcp", fromPort: port, toPort: port, groups: {}, ipRanges: items([{ cidrIp }]), ipv6Ranges: {}, prefixListIds: {} }]),
  };
  if (!call.allowed) return refuse(ctx, call, requestParameters);
  emitWrite(ctx, call, { requestParameters, responseElements: { _return: true } });
  return true;
};
