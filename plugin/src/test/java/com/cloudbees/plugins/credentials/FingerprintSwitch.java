package com.cloudbees.plugins.credentials;

/**
 * Test support: sets {@code CredentialsProvider.FINGERPRINT_ENABLED}, the package-private field the system property
 * {@code CredentialsProvider.fingerprintEnabled} initialises once when the class loads (as in the real plugin, so
 * setting the property in a running test would change nothing). A Jenkins started with
 * {@code -DCredentialsProvider.fingerprintEnabled=false} is what {@code set(false)} stands for.
 */
public final class FingerprintSwitch {
    private FingerprintSwitch() {
    }

    /** Sets whether tracking writes fingerprints; returns the previous setting (to restore it). */
    public static boolean set(boolean enabled) {
        boolean previous = CredentialsProvider.FINGERPRINT_ENABLED;
        CredentialsProvider.FINGERPRINT_ENABLED = enabled;
        return previous;
    }
}
