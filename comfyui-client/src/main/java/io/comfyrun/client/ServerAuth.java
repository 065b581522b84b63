package io.comfyrun.client;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * How to authenticate to a ComfyUI server (core ComfyUI has no auth; reverse proxies in front of it do).
 * Applied to every HTTP request and to the WebSocket upgrade. {@code toString()} never shows a secret,
 * so an auth value can be logged or put in an exception message safely.
 */
public sealed interface ServerAuth {

    /** The request headers this auth adds. */
    Map<String, String> headers();

    static ServerAuth none() {
        return None.INSTANCE;
    }

    static ServerAuth bearer(String token) {
        return new Bearer(token);
    }

    static ServerAuth basic(String user, String password) {
        return new Basic(user, password);
    }

    /** No authentication: what core ComfyUI expects. */
    enum None implements ServerAuth {
        INSTANCE;

        @Override
        public Map<String, String> headers() {
            return Map.of();
        }

        @Override
        public String toString() {
            return "none";
        }
    }

    /** {@code Authorization: Bearer <token>}. */
    record Bearer(String token) implements ServerAuth {
        public Bearer {
            if (token == null || token.isBlank()) {
                throw new IllegalArgumentException("bearer token is empty: pass a non-empty token or use ServerAuth.none()");
            }
        }

        @Override
        public Map<String, String> headers() {
            return Map.of("Authorization", "Bearer " + token);
        }

        @Override
        public String toString() {
            return "Bearer(****)";
        }
    }

    /** HTTP basic authentication. */
    record Basic(String user, String password) implements ServerAuth {
        public Basic {
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(password, "password");
        }

        @Override
        public Map<String, String> headers() {
            String pair = user + ":" + password;
            return Map.of("Authorization",
                    "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
        }

        @Override
        public String toString() {
            return "Basic(" + user + ":****)";
        }
    }

    /** Arbitrary headers (API gateways: {@code X-API-Key}, cookies...). Values are treated as secrets. */
    record Headers(Map<String, String> values) implements ServerAuth {
        public Headers {
            values = Map.copyOf(new TreeMap<>(Objects.requireNonNull(values, "values")));
            for (String name : values.keySet()) {
                if (name.equalsIgnoreCase("Origin")) {
                    // ComfyUI answers 403 to an Origin that differs from Host on loopback (protocol §1).
                    throw new IllegalArgumentException("custom header 'Origin' is not allowed: ComfyUI's origin check rejects it");
                }
            }
        }

        @Override
        public Map<String, String> headers() {
            return values;
        }

        @Override
        public String toString() {
            return "Headers(" + String.join(",", new TreeMap<>(values).keySet()) + ")";
        }
    }
}
