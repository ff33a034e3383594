package io.attache.dataplane.admin;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import java.util.function.Supplier;

/**
 * Prints admin answers that are protos as Envoy does: proto field names, every {@code Any} resolved
 * through the dump type registry. A type the registry does not know is a 500 naming it, never a
 * partial answer.
 */
final class AdminJson {
  private final Supplier<JsonFormat.TypeRegistry> typeRegistry;

  AdminJson(Supplier<JsonFormat.TypeRegistry> typeRegistry) {
    this.typeRegistry = typeRegistry;
  }

  /** {@code includeDefaults} prints unset scalars too, as Envoy's answers that print them. */
  AdminResponse print(Message message, boolean includeDefaults) {
    JsonFormat.Printer printer =
        JsonFormat.printer().usingTypeRegistry(typeRegistry.get()).preservingProtoFieldNames();
    if (includeDefaults) {
      printer = printer.includingDefaultValueFields();
    }
    try {
      return AdminResponse.json(printer.print(message) + "\n");
    } catch (InvalidProtocolBufferException e) {
      return AdminResponse.text(500, "cannot render as JSON: " + e.getMessage() + "\n");
    }
  }
}
