package io.attache.dataplane.path;

/**
 * HCM {@code path_with_escaped_slashes_action}: what to do with {@code %2F}/{@code %5C} in a path.
 * {@code IMPLEMENTATION_SPECIFIC_DEFAULT} is {@link #KEEP_UNCHANGED}, as in Envoy.
 */
public enum EscapedSlashesAction {
  KEEP_UNCHANGED,
  REJECT_REQUEST,
  UNESCAPE_AND_REDIRECT,
  UNESCAPE_AND_FORWARD
}
