package io.attache.controlplane.policy;

import com.google.protobuf.Message;
import io.attache.controlplane.store.ResourceKind;

/**
 * One resource of a declarative set, as parsed from a document: what it is, its name, its body, and
 * where it came from ({@code field}, e.g. {@code documents[2].spec}), so a rule it breaks is
 * reported at the document's own field.
 */
public record PolicyDocument(ResourceKind kind, String name, Message spec, String field) {}
