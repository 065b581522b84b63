package io.comfyrun.client;

import java.io.IOException;
import java.net.URI;

/** A ComfyUI route answered with an HTTP error status. Connection failures are plain {@link IOException}s. */
public final class ComfyHttpException extends IOException {

    private final URI server;
    private final String route;
    private final int status;
    private final String body;

    public ComfyHttpException(URI server, String method, String route, int status, String body) {
        super(method + " " + route + " on " + server + " answered HTTP " + status
                + (body == null || body.isBlank() ? "" : ": " + excerpt(body)) + hint(status));
        this.server = server;
        this.route = route;
        this.status = status;
        this.body = body == null ? "" : body;
    }

    public URI server() {
        return server;
    }

    public String route() {
        return route;
    }

    public int status() {
        return status;
    }

    /** The response body (possibly truncated to a few KB). */
    public String body() {
        return body;
    }

    /** 5xx, 408 and 429 may succeed when retried. */
    public boolean isRetryable() {
        return status >= 500 || status == 408 || status == 429;
    }

    private static String hint(int status) {
        return switch (status) {
            case 401 -> " (check the credentials configured for this server)";
            case 403 -> " (forbidden: check the credentials, or a proxy/origin check in front of ComfyUI)";
            case 404 -> " (check the server URL and its sub-path)";
            case 301, 302, 303, 307, 308 -> " (redirects are not followed, so credentials never go to another host:"
                    + " configure the URL the server redirects to)";
            default -> "";
        };
    }

    private static String excerpt(String body) {
        String oneLine = body.strip().replaceAll("\\s+", " ");
        return oneLine.length() > 300 ? oneLine.substring(0, 300) + "…" : oneLine;
    }
}
