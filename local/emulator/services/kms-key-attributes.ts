/**
 * What a KMS key carries besides its state and policy: its description and its tags. Each request is authorized
 * by the key's policy; a key pending deletion keeps its tags and description but they can no longer be changed
 * (KMSInvalidStateException, "Key states of AWS KMS keys" in the KMS Developer Guide).
 */
import { Caller } from '../server';
import { KmsKey } from '../state';
import { KmsKeys, maximumTagsPerKey, tagsFrom } from './kms-keys';
import { creationKey, kmsError, limitFrom, optionalString, pageOf, pagingMembers, requireString, validationError } from './kms-rules';

const defaultTagsPageSize = 50;

export class KmsKeyAttributes {
    constructor(private readonly keys: KmsKeys) {}

    updateDescription(input: any, caller: Caller): unknown {
        const key = this.changeable(this.keys.authorized(input, caller, 'kms:UpdateKeyDescription'));
        const description = optionalString(input, 'Description', { minLength: 0, maxLength: 8192 });
        if (description === undefined) throw validationError('Description', undefined, 'Member must not be null');
        key.description = description;
        return {};
    }

    tag(input: any, caller: Caller): unknown {
        const key = this.changeable(this.keys.authorized(input, caller, 'kms:TagResource'));
        if (input?.Tags === undefined || input?.Tags === null) throw validationError('Tags', undefined, 'Member must not be null');
        const added = tagsFrom(input.Tags);
        // A key that is tagged again takes the new value; the limit counts the tags the key ends up with.
        const merged = new Map(key.tags.map((t) => [t.TagKey, t.TagValue]));
        for (const tag of added) merged.set(tag.TagKey, tag.TagValue);
        if (merged.size > maximumTagsPerKey) {
            throw kmsError('LimitExceededException', `A KMS key can have at most ${maximumTagsPerKey} tags; ${key.arn} would have ${merged.size}.`);
        }
        key.tags = [...merged].map(([TagKey, TagValue]) => ({ TagKey, TagValue }));
        return {};
    }

    untag(input: any, caller: Caller): unknown {
        const key = this.changeable(this.keys.authorized(input, caller, 'kms:UntagResource'));
        const tagKeys: unknown = input?.TagKeys;
        if (!Array.isArray(tagKeys)) throw validationError('TagKeys', tagKeys, 'Member must not be null');
        for (const tagKey of tagKeys) {
            if (typeof tagKey !== 'string' || tagKey.length < 1 || tagKey.length > 128) throw kmsError('TagException', 'Tag keys must be between 1 and 128 characters long.');
        }
        key.tags = key.tags.filter((t) => !tagKeys.includes(t.TagKey));
        return {};
    }

    listTags(input: any, caller: Caller): unknown {
        const key = this.keys.authorized(input, caller, 'kms:ListResourceTags');
        requireString(input, 'KeyId', { maxLength: 2048 });
        const limit = limitFrom(input, defaultTagsPageSize);
        const ordered = [...key.tags].sort((a, b) => (a.TagKey < b.TagKey ? -1 : 1));
        const { page, nextMarker } = pageOf(ordered, (t) => creationKey(0, t.TagKey), limit, input?.Marker);
        return { Tags: page, ...pagingMembers(nextMarker) };
    }

    private changeable(key: KmsKey): KmsKey {
        if (key.deletionDate !== undefined) throw kmsError('KMSInvalidStateException', `${key.arn} is pending deletion.`);
        return key;
    }
}
