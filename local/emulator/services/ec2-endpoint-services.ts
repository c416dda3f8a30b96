/**
 * EC2 DescribeVpcEndpointServices, for the AWS services of the region only: what a caller learns from it is
 * in which Availability Zones a service can be reached — for CloudHSM (`com.amazonaws.<region>.cloudhsmv2`),
 * the AZs where it offers HSMs, which is how AWS's own sample checks an AZ before creating a cluster.
 */
import { AwsError } from '../errors';
import { ServiceContext, xmlEscape } from '../server';
import { QueryParams, branch, filtersOf, filterValueMatches, indexedValues, itemSet, leaf, pageOf } from './ec2-query';

/** The services the emulated account can reach through interface endpoints: the ones the product calls. */
const ENDPOINT_SERVICES = ['cloudhsmv2', 'ec2', 'kms', 'logs', 'monitoring', 'secretsmanager', 'ssm', 'sts'];

interface EndpointService {
    serviceName: string;
    availabilityZones: string[];
}

export class VpcEndpointServices {
    constructor(private readonly ctx: ServiceContext) {}

    describe(params: QueryParams): string {
        const all = this.services();
        const names = indexedValues(params, 'ServiceName');
        const unknown = names.filter((name) => !all.some((s) => s.serviceName === name));
        if (unknown.length) throw new AwsError('InvalidServiceName', `The Vpc Endpoint Service '${unknown[0]}' does not exist`);
        let selected = names.length ? all.filter((s) => names.includes(s.serviceName)) : all;
        for (const filter of filtersOf(params)) {
            if (filter.name !== 'service-name') throw new AwsError('InvalidParameterValue', `The filter '${filter.name}' is invalid`);
            selected = selected.filter((s) => filter.values.some((v) => filterValueMatches(v, s.serviceName)));
        }
        const { page, nextToken } = pageOf(selected, params, { min: 5, max: 1000 });
        return (
            itemSet('serviceNameSet', page.map((s) => xmlEscape(s.serviceName))) +
            itemSet('serviceDetailSet', page.map((s) => this.renderDetail(s))) +
            leaf('nextToken', nextToken)
        );
    }

    /** Every AZ the account's subnets are in; CloudHSM only where the region offers HSMs. */
    private services(): EndpointService[] {
        const { region, subnets, cloudHsmAvailabilityZones } = this.ctx.state;
        const regionAzs = [...new Set([...subnets.values()].map((s) => s.availabilityZone))].sort();
        return ENDPOINT_SERVICES.map((service) => ({
            serviceName: `com.amazonaws.${region}.${service}`,
            availabilityZones: service === 'cloudhsmv2' && cloudHsmAvailabilityZones ? [...cloudHsmAvailabilityZones].sort() : regionAzs,
        }));
    }

    private renderDetail(service: EndpointService): string {
        const shortName = service.serviceName.split('.').pop()!;
        const dnsName = `${shortName}.${this.ctx.state.region}.amazonaws.com`;
        return (
            leaf('serviceName', service.serviceName) +
            leaf('serviceId', `vpce-svc-${Buffer.from(shortName).toString('hex').padEnd(17, '0').slice(0, 17)}`) +
            itemSet('serviceType', [leaf('serviceType', 'Interface')]) +
            leaf('serviceRegion', this.ctx.state.region) +
            itemSet('availabilityZoneSet', service.availabilityZones.map(xmlEscape)) +
            leaf('owner', 'amazon') +
            itemSet('baseEndpointDnsNameSet', [xmlEscape(`${shortName}.${this.ctx.state.region}.vpce.amazonaws.com`)]) +
            leaf('privateDnsName', dnsName) +
            itemSet('privateDnsNameSet', [leaf('privateDnsName', dnsName)]) +
            leaf('vpcEndpointPolicySupported', true) +
            leaf('acceptanceRequired', false) +
            leaf('managesVpcEndpoints', false) +
            branch('supportedIpAddressTypeSet', branch('item', 'ipv4'))
        );
    }
}
