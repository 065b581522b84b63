package io.comfyrun.fake.json;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
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

    // non-ASCII is escaped by LowerCaseUnicodeEscapes: with ESCAPE_NON_ASCII Jackson would skip them
    public static final ObjectMapper MAPPER = JsonMapper.builder().build();

    static {
        // json.dumps escapes with lower-case hex digits, Jackson with upper-case: PNG text chunks and bodies would differ
        MAPPER.getFactory().setCharacterEscapes(new LowerCaseUnicodeEscapes());
    }

    /** Standard escapes for ASCII; every other UTF-16 unit as a backslash-u escape in lower-case hex, as Python does. */
    private static final class LowerCaseUnicodeEscapes extends com.fasterxml.jackson.core.io.CharacterEscapes {
        private static final long serialVersionUID = 1L;
        private final int[] ascii = standardAsciiEscapesForJSON();

        @Override
        public int[] getEscapeCodesForAscii() {
            return ascii;
        }

        @Override
        public com.fasterxml.jackson.core.SerializableString getEscapeSequence(int ch) {
            return ch < 0x80 ? null
                    : new com.fasterxml.jackson.core.io.SerializedString(String.format("\\u%04x", ch));
        }
    }

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
