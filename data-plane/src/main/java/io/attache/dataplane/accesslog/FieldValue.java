package io.attache.dataplane.accesslog;

/**
 * What one command operator produced for one entry: absent, text, or a number (numbers stay numbers
 * in JSON logs). Immutable.
 */
record FieldValue(String text, Kind kind) {
  enum Kind {
    ABSENT,
    TEXT,
    NUMBER
  }

  static final FieldValue ABSENT = new FieldValue("", Kind.ABSENT);

  static FieldValue text(String text) {
    return text.isEmpty() ? ABSENT : new FieldValue(text, Kind.TEXT);
  }

  static FieldValue number(long value) {
    return new FieldValue(Long.toString(value), Kind.NUMBER);
  }

  boolean isAbsent() {
    return kind == Kind.ABSENT;
  }
}
