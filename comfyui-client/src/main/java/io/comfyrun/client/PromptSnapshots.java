package io.comfyrun.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.client.http.Json;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A {@link PromptSnapshot} as one compact JSON string, and back.
 *
 * <p>Why: a host that persists the snapshot with a serialization framework older than Java records (Jenkins writes
 * its step executions with JBoss Marshalling River 1.4.12, which predates records and would not call the canonical
 * constructor) can persist a plain {@code String} instead. The codec walks the record components by reflection,
 * so a field added to {@link PromptSnapshot} (or to a nested record such as {@link Deadlines}) round-trips without
 * touching this class, as long as its type is one listed below. A field missing from older JSON decodes as
 * {@code null} (or zero/false), which the record's compact constructor already treats as "absent".
 *
 * <p>Supported component types: String, URI, Instant and Duration (ISO-8601 text), boolean/int/long/double and their
 * boxes, enums (by name), {@code Set<String>}/{@code List<String>}, and nested records of these.
 */
public final class PromptSnapshots {
    /** Bumped only if the encoding changes incompatibly; added fields do not need it. */
    static final int FORMAT = 1;

    private PromptSnapshots() {
    }

    public static String toJson(PromptSnapshot snapshot) {
        ObjectNode o = encodeRecord(snapshot);
        o.put("format", FORMAT);
        return o.toString();
    }

    /** @throws IllegalArgumentException naming what is wrong when the text is not a snapshot this codec wrote */
    public static PromptSnapshot fromJson(String json) {
        JsonNode tree;
        try {
            tree = Json.MAPPER.readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("the saved prompt state is not JSON: " + e.getOriginalMessage(), e);
        }
        if (tree == null || !tree.isObject()) {
            throw new IllegalArgumentException("the saved prompt state is not a JSON object");
        }
        int format = tree.path("format").asInt(FORMAT);
        if (format > FORMAT) {
            throw new IllegalArgumentException("the saved prompt state has format " + format + ", newer than this engine reads ("
                    + FORMAT + ")");
        }
        return decodeRecord(PromptSnapshot.class, tree, "snapshot");
    }

    private static ObjectNode encodeRecord(Record r) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        for (RecordComponent c : r.getClass().getRecordComponents()) {
            Object value;
            try {
                value = c.getAccessor().invoke(r);
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException("cannot read " + r.getClass().getSimpleName() + "." + c.getName(), e);
            }
            if (value != null) {
                o.set(c.getName(), encodeValue(value, r.getClass().getSimpleName() + "." + c.getName()));
            }
        }
        return o;
    }

    private static JsonNode encodeValue(Object v, String where) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (v instanceof String || v instanceof URI || v instanceof Instant || v instanceof Duration) {
            return f.textNode(v.toString());
        }
        if (v instanceof Boolean b) {
            return f.booleanNode(b);
        }
        if (v instanceof Integer i) {
            return f.numberNode(i);
        }
        if (v instanceof Long l) {
            return f.numberNode(l);
        }
        if (v instanceof Double d) {
            return f.numberNode(d);
        }
        if (v instanceof Enum<?> e) {
            return f.textNode(e.name());
        }
        if (v instanceof Record rec) {
            return encodeRecord(rec);
        }
        if (v instanceof Collection<?> col) {
            ArrayNode a = f.arrayNode();
            // A Set has no stable iteration order (Set.copyOf's varies from JVM to JVM): write it sorted, so the
            // same snapshot always persists as the same text.
            Collection<?> items = col instanceof Set<?> set && set.stream().allMatch(String.class::isInstance)
                    ? set.stream().map(String.class::cast).sorted().toList() : col;
            for (Object item : items) {
                if (!(item instanceof String s)) {
                    throw new IllegalStateException(where + ": only collections of strings are supported, found "
                            + (item == null ? "null" : item.getClass().getName()));
                }
                a.add(s);
            }
            return a;
        }
        throw new IllegalStateException(where + ": type " + v.getClass().getName() + " is not supported by PromptSnapshots");
    }

    private static <R> R decodeRecord(Class<R> type, JsonNode o, String where) {
        RecordComponent[] components = type.getRecordComponents();
        Class<?>[] types = new Class<?>[components.length];
        Object[] args = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
            RecordComponent c = components[i];
            types[i] = c.getType();
            JsonNode v = o.get(c.getName());
            args[i] = v == null || v.isNull() ? absent(c.getType())
                    : decodeValue(c.getType(), c.getGenericType(), v, where + "." + c.getName());
        }
        try {
            Constructor<R> canonical = type.getDeclaredConstructor(types);
            return canonical.newInstance(args);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            throw new IllegalArgumentException("the saved prompt state is invalid at " + where + ": " + cause.getMessage(), cause);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot build " + type.getSimpleName(), e);
        }
    }

    private static Object absent(Class<?> t) {
        if (t == boolean.class) {
            return false;
        }
        if (t == int.class) {
            return 0;
        }
        if (t == long.class) {
            return 0L;
        }
        if (t == double.class) {
            return 0.0;
        }
        return null;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object decodeValue(Class<?> t, Type generic, JsonNode v, String where) {
        try {
            if (t == String.class) {
                return v.asText();
            }
            if (t == URI.class) {
                return URI.create(v.asText());
            }
            if (t == Instant.class) {
                return Instant.parse(v.asText());
            }
            if (t == Duration.class) {
                return Duration.parse(v.asText());
            }
            if (t == boolean.class || t == Boolean.class) {
                return v.asBoolean();
            }
            if (t == int.class || t == Integer.class) {
                return v.asInt();
            }
            if (t == long.class || t == Long.class) {
                return v.asLong();
            }
            if (t == double.class || t == Double.class) {
                return v.asDouble();
            }
            if (t.isEnum()) {
                return Enum.valueOf((Class<? extends Enum>) t, v.asText());
            }
            if (t.isRecord()) {
                return decodeRecord(t, v, where);
            }
            if ((t == Set.class || t == List.class) && isStringCollection(generic)) {
                Collection<String> out = t == Set.class ? new LinkedHashSet<>() : new ArrayList<>();
                v.forEach(item -> out.add(item.asText()));
                return out;
            }
        } catch (RuntimeException e) {
            if (e instanceof IllegalArgumentException iae && iae.getMessage() != null && iae.getMessage().startsWith("the saved")) {
                throw iae;
            }
            throw new IllegalArgumentException("the saved prompt state is invalid at " + where + ": " + e.getMessage(), e);
        }
        throw new IllegalStateException(where + ": type " + generic.getTypeName() + " is not supported by PromptSnapshots");
    }

    private static boolean isStringCollection(Type generic) {
        return generic instanceof ParameterizedType p && p.getActualTypeArguments().length == 1
                && p.getActualTypeArguments()[0] == String.class;
    }
}
