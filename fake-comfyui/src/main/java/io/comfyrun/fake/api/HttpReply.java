package io.comfyrun.fake.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.comfyrun.fake.json.PythonJson;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** An HTTP response to write; {@code contentType} null means none (aiohttp's empty responses). */
public record HttpReply(int status, String contentType, byte[] body, Map<String, String> headers) {

    public static final String JSON = "application/json; charset=utf-8";

    public static HttpReply json(JsonNode body) {
        return new HttpReply(200, JSON, PythonJson.writeBytes(body), Map.of());
    }

    public static HttpReply json(int status, JsonNode body) {
        return new HttpReply(status, JSON, PythonJson.writeBytes(body), Map.of());
    }

    public static HttpReply empty(int status) {
        return new HttpReply(status, null, new byte[0], Map.of());
    }

    public static HttpReply text(int status, String text) {
        return new HttpReply(status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    /** aiohttp's answer to an unhandled exception (malformed JSON, bad max_items...). */
    public static HttpReply serverError() {
        return text(500, "500 Internal Server Error\n\nServer got itself in trouble");
    }

    public static HttpReply notFound() {
        return text(404, "404: Not Found");
    }

    public HttpReply withHeader(String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(name, value);
        return new HttpReply(status, contentType, body, h);
    }
}
