package io.jenkins.plugins.comfyrun;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Pipeline arguments made of plain Java values. structs binds a {@code List<Map<String, Object>>} by keeping each map
 * as Groovy built it (Map is not a type it coerces), so keys and text values inside may be GStrings
 * ({@code [name: "seed-${i}"]}); Jackson would write a GString as a bean, and a cast to String would fail. Every key
 * becomes a String, every other CharSequence a String, nested maps and lists are copied the same way.
 */
final class PlainValues {
    private PlainValues() {
    }

    static Object of(Object v) {
        if (v instanceof CharSequence cs && !(v instanceof String)) {
            return cs.toString();
        }
        if (v instanceof Map<?, ?> m) {
            return map(m);
        }
        if (v instanceof Collection<?> c) {
            List<Object> out = new ArrayList<>();
            c.forEach(e -> out.add(of(e)));
            return out;
        }
        return v;
    }

    static Map<String, Object> map(Map<?, ?> m) {
        if (m == null) {
            return null;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        m.forEach((k, val) -> out.put(String.valueOf(k), of(val)));
        return out;
    }

    static List<Map<String, Object>> listOfMaps(List<? extends Map<?, ?>> list) {
        if (list == null) {
            return null;
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object e : list) {
            if (!(e instanceof Map<?, ?> m)) {
                throw new IllegalArgumentException("expected a list of maps ([[key: value], ...]) but an element is "
                        + (e == null ? "null" : e.getClass().getSimpleName() + " " + e));
            }
            out.add(map(m));
        }
        return out;
    }
}
