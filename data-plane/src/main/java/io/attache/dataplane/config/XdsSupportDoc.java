package io.attache.dataplane.config;

import io.attache.dataplane.config.FieldSupport.Treatment;
import java.util.Map;

/**
 * Renders {@link SupportMatrix} as {@code docs/xds-support.md}. The test suite fails when the
 * committed file differs from this rendering, so the document is always the code's own answer.
 */
public final class XdsSupportDoc {
  private XdsSupportDoc() {}

  public static String render(FieldSupport support) {
    StringBuilder out = new StringBuilder();
    out.append("# xDS support matrix\n\n")
        .append("<!-- Generated from data-plane SupportMatrix.java by XdsSupportDocTest; do not")
        .append(" edit by hand. Regenerate with:\n")
        .append("     mvn -pl data-plane -am test -Dtest=XdsSupportDocTest")
        .append(" -Dsurefire.failIfNoSpecifiedTests=false -Dattache.regenerateDocs=true -->\n\n")
        .append("What the Attaché Java proxy does with each Envoy v3 field it can receive, from a")
        .append(" bootstrap file or (later) over xDS:\n\n")
        .append("- **honoured** — implemented with Envoy's meaning;\n")
        .append("- **ignored** — accepted, has no effect, and reported by name at start-up;\n")
        .append("- **rejected** — the config is refused with an error naming the field.\n\n")
        .append("A field of a listed message that is not in its table is treated as ignored and")
        .append(" reported. A `typed_config` whose type is not listed below is rejected.")
        .append(" A `typed_config` given as a `udpa.type.v1.TypedStruct` or")
        .append(" `xds.type.v3.TypedStruct` is read as the type its `type_url` names (from files")
        .append(" and over xDS alike), so the same list applies to it.\n\n")
        .append("Stock Envoy honours all of these fields; the other data planes (grpc-java,")
        .append(" grpc-js) are covered in `docs/interop.md` when that lands.\n\n")
        .append("## Supported `typed_config` types\n\n");
    for (var d : SupportedTypes.names()) {
      out.append("- `").append(d).append("`\n");
    }
    for (Map.Entry<String, Map<String, Treatment>> m : support.messages().entrySet()) {
      out.append("\n## `").append(m.getKey()).append("`\n\n");
      out.append("| field | status | note |\n|---|---|---|\n");
      for (Map.Entry<String, Treatment> f : m.getValue().entrySet()) {
        out.append("| `")
            .append(f.getKey())
            .append("` | ")
            .append(f.getValue().status().name().toLowerCase(java.util.Locale.ROOT))
            .append(" | ")
            .append(f.getValue().note().replace("|", "\\|"))
            .append(" |\n");
      }
    }
    return out.toString();
  }
}
