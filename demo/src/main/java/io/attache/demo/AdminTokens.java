package io.attache.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The demo control plane's REST tokens: one admin, one read-only, fresh for every run, in an
 * owner-only token file in the run directory ({@code --admin-token-file}). The demo prints them:
 * they guard a loopback-only control plane that lives as long as this terminal.
 */
record AdminTokens(String admin, String readOnly, Path file) {

  static AdminTokens write(Path runDir) throws IOException {
    SecureRandom random = new SecureRandom();
    String admin = "adm-" + token(random);
    String readOnly = "ro-" + token(random);
    Path file = runDir.resolve("admin-tokens");
    Files.createFile(
        file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(file, admin + " admin\n" + readOnly + " read-only\n");
    return new AdminTokens(admin, readOnly, file);
  }

  private static String token(SecureRandom random) {
    byte[] bytes = new byte[18];
    random.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
