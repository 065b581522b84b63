package io.comfyrun.fake.json;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * JSON as ComfyUI's Python server writes it: {@code json.dumps} default separators ({@code ", "} and
 * {@code ": "}), non-ASCII escaped, insertion key order. Clients never need this, but byte sizes and
 * golden comparisons against recorded traces do.
 */
public final class PythonJson {

    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonWriteFeature.ESCAPE_NON_ASCII)
            .build();

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    // the separators printer keeps no per-call state, so one writer serves every thread
    private static final com.fasterxml.jackson.databind.ObjectWriter WRITER = MAPPER.writer(new PythonSeparators());

    private PythonJson() {
    }

    public static ObjectNode object() {
        return NODES.objectNode();
    }

    public static ArrayNode array() {
        return NODES.arrayNode();
    }

    public static String write(JsonNode node) {
        try {
            return WRITER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] writeBytes(JsonNode node) {
        try {
            return WRITER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses a request body; the caller turns a failure into ComfyUI's 500. */
    public static JsonNode parse(byte[] body) throws IOException {
        return MAPPER.readTree(body);
    }

    public static JsonNode parse(String body) throws IOException {
        return MAPPER.readTree(body);
    }

    /** {@code {"type": t, "data": d}}, type first as the server always sends it. */
    public static ObjectNode message(String type, JsonNode data) {
        ObjectNode m = object();
        m.put("type", type);
        m.set("data", data);
        return m;
    }

    private static final class PythonSeparators extends MinimalPrettyPrinter {
        private static final long serialVersionUID = 1L;

        @Override
        public void writeObjectFieldValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw(": ");
        }

        @Override
        public void writeObjectEntrySeparator(JsonGenerator g) throws IOException {
            g.writeRaw(", ");
        }

        @Override
        public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw(", ");
        }
    }
}
