package io.comfyrun.fake.json;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads the fields of one JSON object of a scenario, fault, trigger or admin request strictly: a field nobody reads
 * (a typo such as {@code "statuss"} or {@code "node"}) and a value of the wrong type are errors naming the field,
 * where it was found and the fields that are known, never a silent default.
 *
 * <pre>{@code
 * StrictFields f = StrictFields.of(json, "fault http_status", Set.of("kind", "trigger", "times", "status"));
 * Integer status = f.integer("status");   // null when absent; "502" (a string) is an error
 * }</pre>
 */
public final class StrictFields {

    private final JsonNode node;
    private final String where;

    private StrictFields(JsonNode node, String where) {
        this.node = node;
        this.where = where;
    }

    /** Checks that {@code node} is an object with no field outside {@code known}. */
    public static StrictFields of(JsonNode node, String where, Set<String> known) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException(where + " must be a JSON object, got: " + node);
        }
        List<String> unknown = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!known.contains(name)) {
                unknown.add(name);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown field" + (unknown.size() == 1 ? " '" + unknown.get(0) + "'"
                    : "s " + unknown) + " in " + where + "; known fields: " + String.join(", ", new TreeSet<>(known)));
        }
        return new StrictFields(node, where);
    }

    public boolean has(String field) {
        return node.hasNonNull(field);
    }

    public JsonNode get(String field) {
        return node.get(field);
    }

    public String text(String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw wrongType(field, "a string", v);
        }
        return v.asText();
    }

    public Integer integer(String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw wrongType(field, "an integer", v);
        }
        return v.asInt();
    }

    public Long longValue(String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw wrongType(field, "an integer", v);
        }
        return v.asLong();
    }

    public Double number(String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber()) {
            throw wrongType(field, "a number", v);
        }
        return v.asDouble();
    }

    public Boolean bool(String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isBoolean()) {
            throw wrongType(field, "true or false", v);
        }
        return v.asBoolean();
    }

    /** A numeric field that must lie within [min, max] when present. */
    public Double number(String field, double min, double max) {
        Double d = number(field);
        if (d != null && (d < min || d > max || d.isNaN())) {
            throw new IllegalArgumentException(field + " in " + where + " must be between " + fmt(min) + " and "
                    + fmt(max) + ", got: " + node.get(field));
        }
        return d;
    }

    public Integer integer(String field, int min, int max) {
        Integer i = integer(field);
        if (i != null && (i < min || i > max)) {
            throw new IllegalArgumentException(field + " in " + where + " must be between " + min + " and " + max
                    + ", got: " + i);
        }
        return i;
    }

    private IllegalArgumentException wrongType(String field, String expected, JsonNode got) {
        return new IllegalArgumentException(field + " in " + where + " must be " + expected + ", got: " + got);
    }

    private static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf((long) d) : String.valueOf(d);
    }
}
