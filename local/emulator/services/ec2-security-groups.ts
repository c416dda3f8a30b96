import { AwsError } from '../errors';
import { ServiceContext } from '../server';
import { IngressRule, SecurityGroup } from '../state';
import {
    QueryParams,
    branch,
    filterValueMatches,
    filtersOf,
    indexedMembers,
    indexedValues,
    integerParam,
    isEc2Id,
    itemSet,
    leaf,
    newEc2Id,
    pageOf,
} from './ec2-query';

/**
 * Security groups of the EC2 emulation: DescribeSecurityGroups and ingress rules whose source is another
 * security group (the only kind the product creates: the management instance's group on the cluster's group).
 */

/** EC2's default quota of inbound rules per security group. */
const MAX_INGRESS_RULES = 60;
/** UserIdGroupPair.Description in the EC2 API reference: up to 255 characters of this set. */
const RULE_DESCRIPTION_PATTERN = /^[a-zA-Z0-9 ._\-:/()#,@[\]+=;{}!$*]{0,255}$/;

const PROTOCOL_NAMES: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'icmpv6', all: '-1' };

export class SecurityGroups {
    constructor(private readonly ctx: ServiceContext) {}

    describe(params: QueryParams): string {
        const groups = this.ctx.state.securityGroups;
        const ids = indexedValues(params, 'GroupId');
        if (ids.length && params.MaxResults !== undefined) {
            throw new AwsError('InvalidParameterCombination', 'The parameter groupIds cannot be used with the parameter maxResults');
        }
        for (const id of ids) if (!isEc2Id('sg', id)) throw new AwsError('InvalidGroupId.Malformed', `Invalid id: "${id}"`);
        const missing = ids.filter((id) => !groups.has(id));
        if (missing.length) throw groupNotFound(missing);
        const names = indexedValues(params, 'GroupName');
        let selected = ids.length ? ids.map((id) => groups.get(id)!) : [...groups.values()];
        if (names.length) {
            // GroupNames addresses only groups of a default VPC; a nondefault VPC's groups are found by ID or filter.
            selected = selected.filter((g) => this.inDefaultVpc(g));
            const unknown = names.filter((n) => !selected.some((g) => nameOf(g) === n));
            if (unknown.length) throw new AwsError('InvalidGroup.NotFound', `The security group '${unknown.join(', ')}' does not exist`);
            selected = selected.filter((g) => names.includes(nameOf(g)));
        }
        for (const filter of filtersOf(params)) {
            const field = groupFilterFields[filter.name];
            if (!field) throw new AwsError('InvalidParameterValue', `The filter '${filter.name}' is invalid`);
            selected = selected.filter((g) => filter.values.some((v) => field(g).some((actual) => filterValueMatches(v, actual))));
        }
        const { page, nextToken } = pageOf(selected, params, { min: 5, max: 1000 });
        return itemSet('securityGroupInfo', page.map((g) => this.render(g))) + leaf('nextToken', nextToken);
    }

    authorizeIngress(params: QueryParams): string {
        const group = this.targetGroup(params);
        const requested = this.requestedRules(params, group);
        if (!requested.length) throw new AwsError('MissingParameter', 'The request must contain the parameter ipPermissions');
        const seen: IngressRule[] = [];
        for (const rule of requested) {
            // A rule already on the group, or twice in one request, fails the whole request and adds nothing.
            if (group.ingress.some((r) => sameRule(r, rule)) || seen.some((r) => sameRule(r, rule))) {
                throw new AwsError('InvalidPermission.Duplicate', `the specified rule "${describeRule(rule)}" already exists`);
            }
            seen.push(rule);
        }
        if (group.ingress.length + requested.length > MAX_INGRESS_RULES) {
            throw new AwsError('RulesPerSecurityGroupLimitExceeded', 'The maximum number of rules per security group has been reached.');
        }
        for (const rule of requested) {
            rule.ruleId = newEc2Id('sgr');
            group.ingress.push(rule);
        }
        return leaf('return', true) + itemSet('securityGroupRuleSet', requested.map((r) => this.renderRule(group, r)));
    }

    revokeIngress(params: QueryParams): string {
        const group = this.targetGroup(params);
        const ruleIds = indexedValues(params, 'SecurityGroupRuleId');
        const byId = ruleIds.map((id) => {
            const rule = group.ingress.find((r) => ruleIdOf(r) === id);
            if (!rule) throw new AwsError('InvalidSecurityGroupRuleId.NotFound', `The security group rule ID '${id}' does not exist`);
            return rule;
        });
        const requested = this.requestedRules(params, group);
        if (!requested.length && !byId.length) {
            throw new AwsError('MissingParameter', 'The request must contain the parameter ipPermissions or securityGroupRuleIds');
        }
        const found = requested.map((rule) => group.ingress.find((r) => sameRule(r, rule)));
        const unknown = requested.filter((_, i) => !found[i]);
        // Only a default VPC forgives rules that do not exist: it revokes the rest and names the unknown ones.
        if (unknown.length && !this.ctx.state.vpcs.get(group.vpcId)?.isDefault) {
            throw new AwsError('InvalidPermission.NotFound', 'The specified rule does not exist in this security group.');
        }
        const revoked = [...new Set([...byId, ...found.filter((r): r is IngressRule => r !== undefined)])];
        group.ingress = group.ingress.filter((r) => !revoked.includes(r));
        return (
            leaf('return', true) +
            (unknown.length ? itemSet('unknownIpPermissionSet', unknown.map((r) => this.renderPermission(r.protocol, r.fromPort, r.toPort, [r]))) : '') +
            itemSet(
                'revokedSecurityGroupRuleSet',
                revoked.map(
                    (r) =>
                        leaf('securityGroupRuleId', ruleIdOf(r)) +
                        leaf('groupId', group.groupId) +
                        leaf('isEgress', false) +
                        leaf('ipProtocol', r.protocol) +
                        leaf('fromPort', r.fromPort) +
                        leaf('toPort', r.toPort) +
                        leaf('referencedGroupId', r.sourceGroupId) +
                        leaf('description', r.description),
                ),
            )
        );
    }

    /**
     * Refused with DependencyViolation while an instance that is not terminated, or an HSM's network interface,
     * is in the group, or another group's rule names it (a group's rule naming itself does not count).
     */
    delete(params: QueryParams): string {
        const group = this.targetGroup(params);
        const { state } = this.ctx;
        const usedByInstance = [...state.instances.values()].some((i) => i.state !== 'terminated' && i.securityGroupIds.includes(group.groupId));
        const usedByHsm = [...state.clusters.values()].some((c) => c.securityGroup === group.groupId && c.hsms.some((h) => h.state !== 'DELETED'));
        const referenced = [...state.securityGroups.values()].some(
            (other) => other.groupId !== group.groupId && other.vpcId === group.vpcId && other.ingress.some((r) => r.sourceGroupId === group.groupId),
        );
        if (usedByInstance || usedByHsm || referenced) {
            throw new AwsError('DependencyViolation', `resource ${group.groupId} has a dependent object`);
        }
        state.securityGroups.delete(group.groupId);
        return leaf('return', true) + leaf('groupId', group.groupId);
    }

    private targetGroup(params: QueryParams): SecurityGroup {
        const groups = this.ctx.state.securityGroups;
        if (params.GroupId !== undefined) {
            if (!isEc2Id('sg', params.GroupId)) throw new AwsError('InvalidGroupId.Malformed', `Invalid id: "${params.GroupId}"`);
            const group = groups.get(params.GroupId);
            if (!group) throw groupNotFound([params.GroupId]);
            return group;
        }
        if (params.GroupName !== undefined) {
            // "[Default VPC] … For security groups for a nondefault VPC, you must specify the ID."
            const group = [...groups.values()].find((g) => nameOf(g) === params.GroupName && this.inDefaultVpc(g));
            if (!group) throw new AwsError('InvalidGroup.NotFound', `The security group '${params.GroupName}' does not exist in default VPC`);
            return group;
        }
        throw new AwsError('MissingParameter', 'The request must contain the parameter groupName or groupId');
    }

    private requestedRules(params: QueryParams, group: SecurityGroup): IngressRule[] {
        if (params.CidrIp !== undefined || params.SourceSecurityGroupName !== undefined) {
            throw new AwsError('InvalidParameterValue', 'The emulated EC2 takes ingress rules only as IpPermissions with security-group sources.');
        }
        const rules: IngressRule[] = [];
        for (const permission of indexedMembers(params, 'IpPermissions')) {
            const unsupported = Object.keys(permission).find((k) => /^(IpRanges|Ipv6Ranges|PrefixListIds)\./.test(k));
            if (unsupported) {
                throw new AwsError('InvalidParameterValue', 'The emulated EC2 supports only security-group sources (Groups) in IpPermissions.');
            }
            const { protocol, fromPort, toPort } = portRange(permission);
            const sources = indexedMembers(permission, 'Groups');
            if (!sources.length) throw new AwsError('MissingParameter', 'The request must contain a source for each IpPermission');
            for (const source of sources) {
                const sourceGroupId = source.GroupId;
                if (sourceGroupId === undefined) throw new AwsError('MissingParameter', 'The request must contain the parameter groupId for each source group');
                if (!isEc2Id('sg', sourceGroupId)) throw new AwsError('InvalidGroupId.Malformed', `Invalid id: "${sourceGroupId}"`);
                const sourceGroup = this.ctx.state.securityGroups.get(sourceGroupId);
                if (!sourceGroup) throw groupNotFound([sourceGroupId]);
                if (sourceGroup.vpcId !== group.vpcId) {
                    throw new AwsError('InvalidGroup.NotFound', 'You have specified two resources that belong to different networks.');
                }
                if (source.Description !== undefined && !RULE_DESCRIPTION_PATTERN.test(source.Description)) {
                    throw new AwsError(
                        'InvalidParameterValue',
                        'Invalid rule description. Valid descriptions are strings less than 256 characters from the following set:  a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*',
                    );
                }
                rules.push({ protocol, fromPort, toPort, sourceGroupId, description: source.Description });
            }
        }
        return rules;
    }

    private inDefaultVpc(group: SecurityGroup): boolean {
        return this.ctx.state.vpcs.get(group.vpcId)?.isDefault === true;
    }

    private render(group: SecurityGroup): string {
        const { accountId, region } = this.ctx.state;
        const permissions = new Map<string, IngressRule[]>();
        for (const rule of group.ingress) {
            const key = `${rule.protocol}|${rule.fromPort}|${rule.toPort}`;
            permissions.set(key, [...(permissions.get(key) ?? []), rule]);
        }
        return (
            leaf('ownerId', accountId) +
            leaf('groupId', group.groupId) +
            leaf('groupName', nameOf(group)) +
            leaf('groupDescription', group.description) +
            leaf('vpcId', group.vpcId) +
            leaf('securityGroupArn', `arn:aws:ec2:${region}:${accountId}:security-group/${group.groupId}`) +
            itemSet(
                'ipPermissions',
                [...permissions.values()].map((rules) => this.renderPermission(rules[0].protocol, rules[0].fromPort, rules[0].toPort, rules)),
            ) +
            // Egress is not modelled: every group keeps the allow-all egress rule EC2 gives a new group.
            itemSet('ipPermissionsEgress', [leaf('ipProtocol', '-1') + itemSet('ipRanges', [leaf('cidrIp', '0.0.0.0/0')])])
        );
    }

    private renderPermission(protocol: string, fromPort: number, toPort: number, rules: IngressRule[]): string {
        const ports = protocol === '-1' ? '' : leaf('fromPort', fromPort) + leaf('toPort', toPort);
        return (
            leaf('ipProtocol', protocol) +
            ports +
            itemSet(
                'groups',
                rules.map((r) => leaf('description', r.description) + leaf('userId', this.ctx.state.accountId) + leaf('groupId', r.sourceGroupId)),
            ) +
            branch('ipRanges') +
            branch('ipv6Ranges') +
            branch('prefixListIds')
        );
    }

    private renderRule(group: SecurityGroup, rule: IngressRule): string {
        const { accountId, region } = this.ctx.state;
        return (
            leaf('securityGroupRuleId', ruleIdOf(rule)) +
            leaf('groupId', group.groupId) +
            leaf('groupOwnerId', accountId) +
            leaf('isEgress', false) +
            leaf('ipProtocol', rule.protocol) +
            leaf('fromPort', rule.fromPort) +
            leaf('toPort', rule.toPort) +
            branch('referencedGroupInfo', leaf('groupId', rule.sourceGroupId) + leaf('userId', accountId)) +
            leaf('description', rule.description) +
            leaf('securityGroupRuleArn', `arn:aws:ec2:${region}:${accountId}:security-group-rule/${ruleIdOf(rule)}`)
        );
    }
}

const groupFilterFields: Record<string, (g: SecurityGroup) => string[]> = {
    'group-id': (g) => [g.groupId],
    'group-name': (g) => [nameOf(g)],
    'vpc-id': (g) => [g.vpcId],
    'ip-permission.group-id': (g) => g.ingress.map((r) => r.sourceGroupId),
};

function portRange(permission: QueryParams): { protocol: string; fromPort: number; toPort: number } {
    const raw = permission.IpProtocol;
    if (raw === undefined) throw new AwsError('MissingParameter', 'The request must contain the parameter ipProtocol');
    const lower = raw.toLowerCase();
    const protocol = PROTOCOL_NAMES[lower] ?? lower;
    const fromPort = integerParam(permission, 'FromPort');
    const toPort = integerParam(permission, 'ToPort');
    if (protocol === '-1') return { protocol, fromPort: -1, toPort: -1 };
    if (protocol === 'tcp' || protocol === 'udp') {
        if (fromPort === undefined || toPort === undefined || fromPort < 0 || toPort > 65535 || fromPort > toPort) {
            throw new AwsError('InvalidParameterValue', `Invalid ${protocol.toUpperCase()} port range: ${fromPort ?? 'null'}-${toPort ?? 'null'}`);
        }
        return { protocol, fromPort, toPort };
    }
    if (protocol === 'icmp' || protocol === 'icmpv6') {
        return { protocol, fromPort: fromPort ?? -1, toPort: toPort ?? -1 };
    }
    if (!/^\d+$/.test(protocol) || Number(protocol) > 255) {
        throw new AwsError('InvalidParameterValue', `Invalid value '${raw}' for IP protocol. Unknown protocol.`);
    }
    return { protocol, fromPort: -1, toPort: -1 };
}

function sameRule(a: IngressRule, b: IngressRule): boolean {
    return a.protocol === b.protocol && a.fromPort === b.fromPort && a.toPort === b.toPort && a.sourceGroupId === b.sourceGroupId;
}

function describeRule(rule: IngressRule): string {
    const protocol = rule.protocol === '-1' ? 'ALL' : rule.protocol.toUpperCase();
    return `peer: ${rule.sourceGroupId}, ${protocol}, from port: ${rule.fromPort}, to port: ${rule.toPort}, ALLOW`;
}

/** Rules that another part of the emulator added without an ID get theirs on first sight. */
function ruleIdOf(rule: IngressRule): string {
    rule.ruleId ??= newEc2Id('sgr');
    return rule.ruleId;
}

function nameOf(group: SecurityGroup): string {
    return group.groupName ?? group.groupId;
}

function groupNotFound(ids: string[]): AwsError {
    return new AwsError('InvalidGroup.NotFound', `The security group '${ids.join(', ')}' does not exist`);
}
