package io.attache.dataplane.accesslog;

/**
 * What one command operator produced for one entry: absent, text, a number (numbers stay numbers in
 * JSON logs) or a JSON document (a metadata struct, list or number, embedded as it is in JSON logs
 * and printed as JSON text in text logs). Immutable.
 */
record FieldValue(String text, Kind kind) {
  enum Kind {
    ABSENT,
    TEXT,
    NUMBER,
    JSON
  }

  static final FieldValue ABSENT = new FieldValue("", Kind.ABSENT);

  static FieldValue text(String text) {
    return text.isEmpty() ? ABSENT : new FieldValue(text, Kind.TEXT);
  }

  static FieldValue number(long value) {
    return new FieldValue(Long.toString(value), Kind.NUMBER);
  }

  static FieldValue json(String json) {
    return new FieldValue(json, Kind.JSON);
  }

  boolean isAbsent() {
    return kind == Kind.ABSENT;
  }
}
