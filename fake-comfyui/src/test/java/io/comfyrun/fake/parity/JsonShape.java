package io.comfyrun.fake.parity;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The shape of a JSON value: field names in order and value types, without the values. Two messages
 * with the same shape differ only in data (ids, timings, counters), which parity does not compare.
 * Python's int/float distinction is kept ({@code 8} is {@code int}, {@code 8.0} is {@code float}).
 * Object keys that are ids (UUIDs, or prompt ids chosen by the recorder) are written as {@code <id>}.
 */
final class JsonShape {

    private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private JsonShape() {
    }

    static String of(JsonNode node) {
        StringBuilder sb = new StringBuilder();
        append(sb, node);
        return sb.toString();
    }

    private static void append(StringBuilder sb, JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            sb.append("null");
        } else if (node.isTextual()) {
            sb.append("str");
        } else if (node.isBoolean()) {
            sb.append("bool");
        } else if (node.isIntegralNumber()) {
            sb.append("int");
        } else if (node.isNumber()) {
            sb.append("float");
        } else if (node.isArray() && homogeneousScalars(node)) {
            // lists of ids, file names, traceback lines: their length is data
            sb.append('[');
            append(sb, node.get(0));
            sb.append("*]");
        } else if (node.isArray()) {
            sb.append('[');
            for (int i = 0; i < node.size(); i++) {
                sb.append(i == 0 ? "" : ",");
                append(sb, node.get(i));
            }
            sb.append(']');
        } else {
            sb.append('{');
            Iterator<Map.Entry<String, JsonNode>> it = node.fields();
            boolean first = true;
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                sb.append(first ? "" : ",").append(isId(e.getKey()) ? "<id>" : e.getKey()).append(':');
                append(sb, e.getValue());
                first = false;
            }
            sb.append('}');
        }
    }

    private static boolean homogeneousScalars(JsonNode array) {
        if (array.isEmpty()) {
            return false;
        }
        String first = of(array.get(0));
        if (array.get(0).isContainerNode()) {
            return false;
        }
        for (JsonNode item : array) {
            if (item.isContainerNode() || !of(item).equals(first)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isId(String key) {
        return UUID.matcher(key).matches() || key.startsWith("my-own-id") || key.startsWith("partial-valid");
    }
}
