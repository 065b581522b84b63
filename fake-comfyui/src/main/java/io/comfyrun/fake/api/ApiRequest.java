package io.comfyrun.fake.api;

import java.util.List;
import java.util.Map;

/**
 * An HTTP request as the routes see it, decoded from the wire by the transport.
 *
 * @param connection journal name of the HTTP connection
 * @param path       path without query, with any {@code /api} prefix still present
 * @param query      decoded query parameters
 * @param headers    header names lower-cased, first value
 * @param body       raw body bytes (empty if none)
 * @param form       multipart form fields, or null when the body was not multipart
 * @param files      multipart file parts
 */
public record ApiRequest(String connection, String method, String uri, String path, Map<String, List<String>> query,
                         Map<String, String> headers, byte[] body, Map<String, String> form, List<FilePart> files) {

    public record FilePart(String field, String filename, byte[] content) {
    }

    public String param(String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    public String header(String name) {
        return headers.get(name.toLowerCase());
    }

    /** The route path: {@code /api/x} and {@code /x} are the same route. */
    public String route() {
        return path.startsWith("/api/") ? path.substring(4) : path;
    }
}
