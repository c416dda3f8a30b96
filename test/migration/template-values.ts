/**
 * A resource's properties as CloudFormation resolves them from a template: Ref to a parameter or a resource,
 * Fn::GetAtt to an attribute. The migration test takes the example template's own declarations this way, so
 * the template the guide publishes is the one that was driven.
 */
type Json = Record<string, any>;

export interface TemplateValues {
    parameters: Record<string, unknown>;
    /** What `Ref` of each resource of the stack returns (its physical ID). */
    refs: Record<string, string>;
    /** The attributes of each resource, as its last model holds them. */
    attributes: Record<string, Record<string, unknown>>;
}

/** The resource's properties, resolved, less those in `omit` (a step of the guide that leaves them out). */
export function declaredProperties(template: Json, logicalId: string, values: TemplateValues, omit: string[] = []): Record<string, unknown> {
    const resource = template.Resources?.[logicalId];
    if (!resource) throw new Error(`The template has no resource ${logicalId}`);
    const properties = Object.fromEntries(Object.entries(resource.Properties ?? {}).filter(([name]) => !omit.includes(name)));
    return resolve(properties, values, `${logicalId}.Properties`);
}

function resolve(value: unknown, values: TemplateValues, where: string): any {
    if (Array.isArray(value)) return value.map((item, i) => resolve(item, values, `${where}[${i}]`));
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Json);
    if (entries.length === 1 && entries[0][0] === 'Ref') return ref(entries[0][1], values, where);
    if (entries.length === 1 && entries[0][0] === 'Fn::GetAtt') return getAtt(entries[0][1], values, where);
    if (entries.some(([key]) => key.startsWith('Fn::'))) throw new Error(`${where}: ${entries[0][0]} is not resolved here`);
    return Object.fromEntries(entries.map(([key, item]) => [key, resolve(item, values, `${where}.${key}`)]));
}

function ref(name: string, values: TemplateValues, where: string): unknown {
    if (name in values.parameters) return values.parameters[name];
    if (name in values.refs) return values.refs[name];
    throw new Error(`${where}: Ref ${name} has no value yet (no such parameter, or the resource is not in the stack)`);
}

function getAtt(target: string | string[], values: TemplateValues, where: string): unknown {
    const [resource, attribute] = Array.isArray(target) ? target : target.split('.');
    const value = values.attributes[resource]?.[attribute];
    if (value === undefined) throw new Error(`${where}: Fn::GetAtt ${resource}.${attribute} has no value`);
    return value;
}
