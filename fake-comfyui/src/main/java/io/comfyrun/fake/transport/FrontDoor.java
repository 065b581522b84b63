package io.comfyrun.fake.transport;

import io.comfyrun.fake.api.ApiRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;

/**
 * What a reverse proxy in front of ComfyUI adds, for testing clients that must cope with one: a base
 * path every route (and {@code /ws}) lives under, and a required credential header on every HTTP request
 * and WebSocket upgrade. Core ComfyUI has neither. The admin API ({@code /__fake/}) is the test's back
 * door: reachable at the root and under the base path, and never asks for the credential.
 *
 * <p>The credential is held only here; it is never journalled, logged or returned by any route.
 */
public final class FrontDoor {

    /** What happens to one request at the door. */
    public sealed interface Verdict {
        /** Let in, with its path made relative to the base path. */
        record Pass(ApiRequest request) implements Verdict { }

        /** No credential, or the wrong one: 401. {@code why} is safe to journal (no header value). */
        record Unauthorized(String why) implements Verdict { }

        /** Outside the base path: the proxy has nothing there, 404. */
        record Outside() implements Verdict { }
    }

    public static final FrontDoor OPEN = new FrontDoor("", null, null);

    private static final String ADMIN = "/__fake";

    private final String basePath;
    private final String authHeader;
    private final byte[] authValue;

    /**
     * @param basePath   "" or "/" for none, else e.g. {@code /comfy} (a trailing slash is dropped)
     * @param authHeader header to check; null means {@code Authorization}
     * @param authValue  exact value required; null for no authentication
     */
    public FrontDoor(String basePath, String authHeader, String authValue) {
        this.basePath = normaliseBasePath(basePath);
        this.authHeader = (authHeader == null || authHeader.isBlank() ? "Authorization" : authHeader.trim())
                .toLowerCase(Locale.ROOT);
        if (authValue != null && authValue.isEmpty()) {
            throw new IllegalArgumentException("require_auth is empty: give the exact header value to require,"
                    + " e.g. 'Bearer s3cret', or leave it unset");
        }
        this.authValue = authValue == null ? null : authValue.getBytes(StandardCharsets.UTF_8);
    }

    /** Checks and normalises a base path; throws naming the value when it is not an absolute path. */
    public static String normaliseBasePathOrThrow(String p) {
        return normaliseBasePath(p);
    }

    static String normaliseBasePath(String p) {
        if (p == null || p.isBlank() || p.equals("/")) {
            return "";
        }
        String s = p.trim();
        if (!s.startsWith("/") || s.contains("?") || s.contains("#") || s.contains("//")) {
            throw new IllegalArgumentException("base_path must be an absolute path such as /comfy (no query,"
                    + " no fragment, no empty segment), got: '" + p + "'");
        }
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    /** "" when ComfyUI is served at the root. */
    public String basePath() {
        return basePath;
    }

    public boolean requiresAuth() {
        return authValue != null;
    }

    public Verdict check(ApiRequest req) {
        String path = req.path();
        String inner;
        if (basePath.isEmpty()) {
            inner = path;
        } else if (path.equals(basePath) || path.startsWith(basePath + "/")) {
            inner = path.equals(basePath) ? "/" : path.substring(basePath.length());
        } else if (isAdmin(path)) {
            inner = path;
        } else {
            return new Verdict.Outside();
        }
        if (!isAdmin(inner) && authValue != null) {
            String got = req.header(authHeader);
            if (got == null) {
                return new Verdict.Unauthorized("no " + authHeader + " header");
            }
            // constant-time, like a proxy should; the value never leaves this method
            if (!MessageDigest.isEqual(authValue, got.getBytes(StandardCharsets.UTF_8))) {
                return new Verdict.Unauthorized(authHeader + " header does not match");
            }
        }
        if (inner.equals(path)) {
            return new Verdict.Pass(req);
        }
        String uri = req.uri().substring(Math.min(basePath.length(), req.uri().length()));
        return new Verdict.Pass(new ApiRequest(req.connection(), req.method(), uri.isEmpty() ? "/" : uri, inner,
                req.query(), req.headers(), req.body(), req.form(), req.files()));
    }

    private static boolean isAdmin(String path) {
        return path.equals(ADMIN) || path.startsWith(ADMIN + "/");
    }
}
