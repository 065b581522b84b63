package io.comfyrun.client;

import io.comfyrun.client.http.TrustedCertificates;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * Where a ComfyUI server is and how to talk to it.
 *
 * <pre>{@code
 * ServerConfig gpu = ServerConfig.of("https://gpu-1.example/comfy/")   // sub-path behind a proxy is fine
 *         .withAuth(ServerAuth.bearer(token))
 *         .withClientId("jenkins-controller-1");                        // stable: a restarted JVM reclaims its events
 * }</pre>
 *
 * @param baseUrl  http or https URL of the server; may carry a sub-path (reverse proxy); the WebSocket
 *                 URL is derived from it (ws/wss + {@code <path>/ws})
 * @param auth     credentials for HTTP and WebSocket
 * @param clientId the WebSocket {@code clientId}; {@code null} lets the registry generate one that
 *                 is stable for this (URL, credentials) for the JVM's lifetime
 * @param timeouts per-call I/O timeouts and the ping interval
 * @param mode     {@link TrackingMode#AUTO} or {@link TrackingMode#POLL_ONLY}
 * @param pollMin  first polling interval (the fallback backs off from here...)
 * @param pollMax  ...to here while nothing changes
 * @param trustedCertificates a PEM file of CA or self-signed certificates that this server's TLS certificate
 *                 must chain to, INSTEAD of the JVM trust store (for this server only, HTTPS and WSS); {@code null}:
 *                 the JVM trust store
 */
public record ServerConfig(URI baseUrl, ServerAuth auth, String clientId, Timeouts timeouts, TrackingMode mode,
                           Duration pollMin, Duration pollMax, Path trustedCertificates) {

    public static final Duration DEFAULT_POLL_MIN = Duration.ofSeconds(1);
    public static final Duration DEFAULT_POLL_MAX = Duration.ofSeconds(5);

    public ServerConfig {
        Objects.requireNonNull(baseUrl, "baseUrl");
        String scheme = baseUrl.getScheme() == null ? "" : baseUrl.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("ComfyUI server URL '" + baseUrl
                    + "' must start with http:// or https:// (the WebSocket URL is derived from it)");
        }
        if (baseUrl.getHost() == null) {
            throw new IllegalArgumentException("ComfyUI server URL '" + baseUrl + "' has no host name");
        }
        if (baseUrl.getRawQuery() != null || baseUrl.getRawFragment() != null) {
            throw new IllegalArgumentException("ComfyUI server URL '" + baseUrl + "' must not carry a query or fragment");
        }
        String path = baseUrl.getRawPath() == null ? "" : baseUrl.getRawPath();
        if (!path.endsWith("/")) {
            // Normalised so that "http://h/comfy" and "http://h/comfy/" share one connection.
            baseUrl = URI.create(scheme + "://" + baseUrl.getRawAuthority() + path + "/");
        }
        auth = auth == null ? ServerAuth.none() : auth;
        if (clientId != null && clientId.isBlank()) {
            throw new IllegalArgumentException("clientId must not be blank; pass null to let the engine generate one");
        }
        timeouts = timeouts == null ? Timeouts.DEFAULTS : timeouts;
        mode = mode == null ? TrackingMode.AUTO : mode;
        pollMin = pollMin == null ? DEFAULT_POLL_MIN : pollMin;
        pollMax = pollMax == null ? DEFAULT_POLL_MAX : pollMax;
        if (pollMin.isNegative() || pollMin.isZero() || pollMax.compareTo(pollMin) < 0) {
            throw new IllegalArgumentException("polling interval must satisfy 0 < pollMin <= pollMax, got "
                    + pollMin + " .. " + pollMax);
        }
        if (trustedCertificates != null) {
            TrustedCertificates.load(trustedCertificates); // a missing or broken file is named now, not at first use
        }
    }

    /** Without trusted certificates of its own (the JVM trust store applies). */
    public ServerConfig(URI baseUrl, ServerAuth auth, String clientId, Timeouts timeouts, TrackingMode mode,
                        Duration pollMin, Duration pollMax) {
        this(baseUrl, auth, clientId, timeouts, mode, pollMin, pollMax, null);
    }

    /** A config with defaults for everything but the URL. */
    public static ServerConfig of(String baseUrl) {
        Objects.requireNonNull(baseUrl, "baseUrl");
        final URI uri;
        try {
            uri = URI.create(baseUrl.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("ComfyUI server URL '" + baseUrl + "' is not a valid URL: " + e.getMessage(), e);
        }
        return of(uri);
    }

    public static ServerConfig of(URI baseUrl) {
        return new ServerConfig(baseUrl, null, null, null, null, null, null);
    }

    public ServerConfig withAuth(ServerAuth newAuth) {
        return new ServerConfig(baseUrl, newAuth, clientId, timeouts, mode, pollMin, pollMax, trustedCertificates);
    }

    public ServerConfig withClientId(String newClientId) {
        return new ServerConfig(baseUrl, auth, newClientId, timeouts, mode, pollMin, pollMax, trustedCertificates);
    }

    public ServerConfig withTimeouts(Timeouts newTimeouts) {
        return new ServerConfig(baseUrl, auth, clientId, newTimeouts, mode, pollMin, pollMax, trustedCertificates);
    }

    public ServerConfig withMode(TrackingMode newMode) {
        return new ServerConfig(baseUrl, auth, clientId, timeouts, newMode, pollMin, pollMax, trustedCertificates);
    }

    /**
     * Trusts this server's TLS certificate only if it chains to one of the certificates in {@code pem} (PEM, one or
     * more CA or self-signed certificates), instead of the JVM trust store; {@code null} goes back to the JVM trust
     * store. The file is read now: a missing, unreadable or invalid file is an {@link IllegalArgumentException}
     * naming it.
     */
    public ServerConfig withTrustedCertificates(Path pem) {
        return new ServerConfig(baseUrl, auth, clientId, timeouts, mode, pollMin, pollMax, pem);
    }

    public ServerConfig withPolling(Duration min, Duration max) {
        return new ServerConfig(baseUrl, auth, clientId, timeouts, mode, min, max, trustedCertificates);
    }

    /** The WebSocket endpoint (ws/wss, same host and sub-path), without the {@code clientId} query. */
    public URI webSocketUrl() {
        String scheme = baseUrl.getScheme().equalsIgnoreCase("https") ? "wss" : "ws";
        return URI.create(scheme + "://" + baseUrl.getRawAuthority() + baseUrl.getRawPath() + "ws");
    }

    /** A route under the base path, e.g. {@code resolve("history/abc")}. */
    public URI resolve(String route) {
        return URI.create(baseUrl + (route.startsWith("/") ? route.substring(1) : route));
    }

    /** The server URL for messages and results; never shows credentials. */
    @Override
    public String toString() {
        return "ServerConfig[" + baseUrl + ", auth=" + auth + ", clientId=" + clientId + ", mode=" + mode
                + (trustedCertificates == null ? "" : ", trustedCertificates=" + trustedCertificates) + "]";
    }
}
