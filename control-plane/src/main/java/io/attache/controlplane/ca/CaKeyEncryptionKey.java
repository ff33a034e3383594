package io.attache.controlplane.ca;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The operator's key that seals the mesh CA's private key in the shared store: 32 random bytes,
 * given base64-encoded (e.g. {@code openssl rand -base64 32}) in a file or an environment variable.
 * Seals with AES-256-GCM under a fresh 96-bit nonce, binding the ciphertext to what it belongs to
 * (associated data), so a sealed key cannot be swapped onto another certificate unnoticed. {@link
 * #id()} names the key without revealing it. Never prints the key.
 */
public final class CaKeyEncryptionKey {

  /** The environment variable the key may come from instead of a file. */
  public static final String ENV = "ATTACHE_CA_KEY_ENCRYPTION_KEY";

  private static final int KEY_BYTES = 32;
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;

  private final byte[] key;
  private final String id;
  private final SecureRandom random = new SecureRandom();

  private CaKeyEncryptionKey(byte[] key) {
    this.key = key;
    this.id = idOf(key);
  }

  /** Parses the base64 form; {@code source} names where it came from in errors. */
  public static CaKeyEncryptionKey parse(String base64, String source) {
    byte[] key;
    try {
      key = Base64.getDecoder().decode(base64.strip());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(source + ": the CA key encryption key is not base64");
    }
    if (key.length != KEY_BYTES) {
      throw new IllegalArgumentException(
          source
              + ": the CA key encryption key must be 32 bytes (openssl rand -base64 32), not "
              + key.length);
    }
    return new CaKeyEncryptionKey(key);
  }

  public static CaKeyEncryptionKey fromFile(Path file) {
    try {
      return parse(Files.readString(file, StandardCharsets.US_ASCII), file.toString());
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the CA key encryption key " + file, e);
    }
  }

  /** A fresh random key (tests, and operators who let a tool make one). */
  public static CaKeyEncryptionKey random() {
    byte[] key = new byte[KEY_BYTES];
    new SecureRandom().nextBytes(key);
    return new CaKeyEncryptionKey(key);
  }

  /** The base64 form, for writing a new key to its file. */
  public String encoded() {
    return Base64.getEncoder().encodeToString(key);
  }

  /** A digest of the key: stored beside what it sealed, so a wrong key is named, not guessed. */
  public String id() {
    return id;
  }

  /** A sealed secret: the nonce it was sealed under and the ciphertext with its tag. */
  public record Sealed(byte[] nonce, byte[] ciphertext) {}

  public Sealed seal(byte[] plaintext, byte[] associatedData) {
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    try {
      Cipher cipher = cipher(Cipher.ENCRYPT_MODE, nonce);
      cipher.updateAAD(associatedData);
      return new Sealed(nonce, cipher.doFinal(plaintext));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is missing from this JVM", e);
    }
  }

  /** The plaintext; fails if the key, the ciphertext or the associated data differ. */
  public byte[] open(Sealed sealed, byte[] associatedData) throws AEADBadTagException {
    try {
      Cipher cipher = cipher(Cipher.DECRYPT_MODE, sealed.nonce());
      cipher.updateAAD(associatedData);
      return cipher.doFinal(sealed.ciphertext());
    } catch (AEADBadTagException e) {
      throw e;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is missing from this JVM", e);
    }
  }

  private Cipher cipher(int mode, byte[] nonce) throws GeneralSecurityException {
    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    cipher.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BITS, nonce));
    return cipher;
  }

  private static String idOf(byte[] key) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update("attache-ca-key-encryption-key:".getBytes(StandardCharsets.US_ASCII));
      return HexFormat.of().formatHex(Arrays.copyOf(digest.digest(key), 8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  @Override
  public String toString() {
    return "CaKeyEncryptionKey[id=" + id + "]";
  }
}
