package io.comfyrun.reliability;

import io.comfyrun.client.ServerAuth;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/**
 * A fresh secret configured as bearer or basic auth, with every form in which it could leak: the secret itself and,
 * for basic auth, the base64 {@code user:secret} of the header.
 */
record TestCredential(String kind, String secret, ServerAuth auth, List<String> forms) {

    static TestCredential of(String kind) {
        String secret = "S3cr3t-" + UUID.randomUUID();
        return switch (kind) {
            case "bearer" -> new TestCredential(kind, secret, ServerAuth.bearer(secret), List.of(secret));
            case "basic" -> new TestCredential(kind, secret, ServerAuth.basic("jenkins", secret), List.of(secret,
                    Base64.getEncoder().encodeToString(("jenkins:" + secret).getBytes(StandardCharsets.UTF_8))));
            default -> throw new IllegalArgumentException("credential kind must be bearer or basic, got " + kind);
        };
    }
}
