package io.attache.dataplane.tracing;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import io.grpc.MethodDescriptor;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code opentelemetry.proto.collector.trace.v1.TraceService/Export} as a gRPC method. The trace
 * messages ({@code ResourceSpans} and below) ship with the Envoy api jar; the collector's two thin
 * wrappers are encoded here by field number (request: {@code resource_spans = 1}; response: {@code
 * partial_success = 1 { rejected_spans = 1; error_message = 2 }}) instead of pulling a second copy
 * of the same generated classes onto the classpath. Stateless.
 */
public final class OtlpTraceService {
  public static final String SERVICE_NAME = "opentelemetry.proto.collector.trace.v1.TraceService";

  /** {@code ExportTraceServiceRequest}. */
  public record ExportRequest(List<ResourceSpans> resourceSpans) {
    public ExportRequest {
      resourceSpans = List.copyOf(resourceSpans);
    }
  }

  /** {@code ExportTraceServiceResponse}: what a collector says it rejected, if anything. */
  public record ExportResponse(long rejectedSpans, String errorMessage) {
    public static final ExportResponse OK = new ExportResponse(0, "");
  }

  public static final MethodDescriptor<ExportRequest, ExportResponse> EXPORT =
      MethodDescriptor.<ExportRequest, ExportResponse>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE_NAME, "Export"))
          .setRequestMarshaller(new RequestMarshaller())
          .setResponseMarshaller(new ResponseMarshaller())
          .build();

  // Tags are (field number << 3) | wire type.
  private static final int FIELD_1_VARINT = (1 << 3) | WireFormat.WIRETYPE_VARINT;
  private static final int FIELD_1_BYTES = (1 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED;
  private static final int FIELD_2_BYTES = (2 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED;

  private OtlpTraceService() {}

  private static final class RequestMarshaller
      implements MethodDescriptor.Marshaller<ExportRequest> {
    @Override
    public InputStream stream(ExportRequest value) {
      return write(
          out -> {
            for (ResourceSpans spans : value.resourceSpans()) {
              out.writeMessage(1, spans);
            }
          });
    }

    @Override
    public ExportRequest parse(InputStream stream) {
      List<ResourceSpans> spans = new ArrayList<>();
      read(
          stream,
          (in, tag) -> {
            if (tag == FIELD_1_BYTES) {
              spans.add(ResourceSpans.parseFrom(in.readBytes()));
              return true;
            }
            return false;
          });
      return new ExportRequest(spans);
    }
  }

  private static final class ResponseMarshaller
      implements MethodDescriptor.Marshaller<ExportResponse> {
    @Override
    public InputStream stream(ExportResponse value) {
      return write(
          out -> {
            if (value.rejectedSpans() != 0 || !value.errorMessage().isEmpty()) {
              ByteArrayOutputStream partial = new ByteArrayOutputStream();
              CodedOutputStream inner = CodedOutputStream.newInstance(partial);
              if (value.rejectedSpans() != 0) {
                inner.writeInt64(1, value.rejectedSpans());
              }
              if (!value.errorMessage().isEmpty()) {
                inner.writeString(2, value.errorMessage());
              }
              inner.flush();
              out.writeByteArray(1, partial.toByteArray());
            }
          });
    }

    @Override
    public ExportResponse parse(InputStream stream) {
      long[] rejected = {0};
      String[] message = {""};
      read(
          stream,
          (in, tag) -> {
            if (tag != FIELD_1_BYTES) {
              return false;
            }
            read(
                in.readBytes().newInput(),
                (partial, innerTag) -> {
                  if (innerTag == FIELD_1_VARINT) {
                    rejected[0] = partial.readInt64();
                    return true;
                  }
                  if (innerTag == FIELD_2_BYTES) {
                    message[0] = partial.readStringRequireUtf8();
                    return true;
                  }
                  return false;
                });
            return true;
          });
      return new ExportResponse(rejected[0], message[0]);
    }
  }

  private interface Writer {
    void write(CodedOutputStream out) throws IOException;
  }

  /** Reads one field; returns false to have it skipped. */
  private interface FieldReader {
    boolean read(CodedInputStream in, int tag) throws IOException;
  }

  private static InputStream write(Writer writer) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      CodedOutputStream out = CodedOutputStream.newInstance(bytes);
      writer.write(out);
      out.flush();
      return new ByteArrayInputStream(bytes.toByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void read(InputStream stream, FieldReader reader) {
    try {
      CodedInputStream in = CodedInputStream.newInstance(stream);
      while (true) {
        int tag = in.readTag();
        if (tag == 0) {
          return;
        }
        if (!reader.read(in, tag) && !in.skipField(tag)) {
          return;
        }
      }
    } catch (IOException e) {
      throw new io.grpc.StatusRuntimeException(
          io.grpc.Status.INTERNAL.withDescription("malformed OTLP message").withCause(e));
    }
  }
}
