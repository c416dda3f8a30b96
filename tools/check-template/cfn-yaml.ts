/**
 * Reads a CloudFormation template, YAML or JSON, into the long form CloudFormation itself works with: the
 * short-form tags (`!Ref X`, `!GetAtt A.B`, `!Sub …`) become `{"Ref": "X"}`, `{"Fn::GetAtt": ["A", "B"]}`,
 * `{"Fn::Sub": …}`. The `yaml` package keeps a tag it does not know on the node, so the tree is walked here
 * rather than teaching the parser each tag in scalar, sequence and mapping form.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';

/** Short-form tags and the long form each stands for; all but `!Ref` and `!Condition` are `Fn::<name>`. */
const FUNCTION_TAGS = ['Base64', 'Cidr', 'FindInMap', 'GetAtt', 'GetAZs', 'ImportValue', 'Join', 'Select', 'Split', 'Sub', 'Transform', 'If', 'Equals', 'And', 'Or', 'Not', 'Length', 'ToJsonString'];

export class TemplateSyntaxError extends Error {}

export function parseTemplate(text: string): unknown {
    const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
    if (doc.errors.length) throw new TemplateSyntaxError(doc.errors.map((e) => e.message).join('; '));
    const unknown = doc.warnings.filter((w) => w.code !== 'TAG_RESOLVE_FAILED');
    if (unknown.length) throw new TemplateSyntaxError(unknown.map((w) => w.message).join('; '));
    return toLongForm(doc, doc.contents as Node | null);
}

function toLongForm(doc: Document, node: Node | null | undefined): unknown {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return toLongForm(doc, node.resolve(doc) as Node | undefined);
    let value: unknown;
    if (isScalar(node)) value = node.value;
    else if (isSeq(node)) value = node.items.map((item) => toLongForm(doc, item as Node));
    else if (isMap(node)) {
        const object: Record<string, unknown> = {};
        for (const pair of node.items) {
            if (!isPair(pair)) continue;
            object[String(toLongForm(doc, pair.key as Node))] = toLongForm(doc, pair.value as Node | null);
        }
        value = object;
    } else throw new TemplateSyntaxError(`unexpected YAML node ${String(node)}`);
    return node.tag ? expandTag(node.tag, value) : value;
}

function expandTag(tag: string, value: unknown): unknown {
    const name = tag.slice(1);
    if (name === 'Ref') return { Ref: value };
    if (name === 'Condition') return { Condition: value };
    if (name === 'GetAtt' && typeof value === 'string') {
        // `!GetAtt Resource.Attribute.With.Dots`: the resource name has no dot, the attribute may.
        const dot = value.indexOf('.');
        return { 'Fn::GetAtt': dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)] };
    }
    if (FUNCTION_TAGS.includes(name)) return { [`Fn::${name}`]: value };
    if (tag.startsWith('!')) throw new TemplateSyntaxError(`unknown tag ${tag}`);
    return value; // a standard tag (!!str, !!int …) the parser has already applied
}
