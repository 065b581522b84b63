package io.comfyrun.client.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Input overrides applied to a {@link Workflow} before submission, addressed the way a person names a node:
 * <ul>
 *   <li>by node id: {@code 3.seed=42}</li>
 *   <li>by {@code _meta.title}: {@code "Positive Prompt".text=a red fox} (quotes needed only when the title has dots)</li>
 *   <li>by class_type when exactly one node has it: {@code KSampler.seed=42}</li>
 * </ul>
 * A target is looked up in that order: id, then title, then class. The value is typed from the input's
 * current value: an int stays an int ({@code 42}), a float a float, a boolean accepts true/false, a string
 * takes the text verbatim. A linked input ({@code ["4", 0]}) cannot be replaced by a scalar.
 *
 * <pre>{@code
 * WorkflowOverrides o = WorkflowOverrides.parse(List.of("KSampler.seed=42", "\"Positive Prompt\".text=a cat"));
 * WorkflowOverrides p = WorkflowOverrides.of(Map.of("3.steps", 30));   // typed values from a Jenkins map
 * }</pre>
 */
public final class WorkflowOverrides {

    /** One override: target node (id, title or class), input name, value (a String to be typed, or a Number/Boolean). */
    public record InputOverride(String spec, String target, String input, Object value) {
        public InputOverride {
            Objects.requireNonNull(target, "target");
            Objects.requireNonNull(input, "input");
        }
    }

    private static final WorkflowOverrides NONE = new WorkflowOverrides(List.of());

    private final List<InputOverride> overrides;

    private WorkflowOverrides(List<InputOverride> overrides) {
        this.overrides = List.copyOf(overrides);
    }

    public static WorkflowOverrides none() {
        return NONE;
    }

    /** Parses {@code target.input=value} strings (CLI {@code --set}); malformed specs are {@link InvalidOverrideException}s. */
    public static WorkflowOverrides parse(Collection<String> specs) {
        List<InputOverride> list = new ArrayList<>();
        for (String spec : specs) {
            list.add(parseOne(spec));
        }
        return new WorkflowOverrides(list);
    }

    /**
     * From a map of {@code "target.input"} keys to values. String values are typed from the existing input,
     * Number and Boolean values must fit the existing input's type.
     */
    public static WorkflowOverrides of(Map<String, ?> map) {
        List<InputOverride> list = new ArrayList<>();
        for (Map.Entry<String, ?> entry : map.entrySet()) {
            String[] key = splitKey(entry.getKey(), entry.getKey() + "=" + entry.getValue());
            list.add(new InputOverride(entry.getKey(), key[0], key[1], entry.getValue()));
        }
        return new WorkflowOverrides(list);
    }

    public List<InputOverride> list() {
        return overrides;
    }

    public boolean isEmpty() {
        return overrides.isEmpty();
    }

    /** This plus {@code more}; a later override of the same input wins. */
    public WorkflowOverrides and(WorkflowOverrides more) {
        List<InputOverride> all = new ArrayList<>(overrides);
        all.addAll(more.overrides);
        return new WorkflowOverrides(all);
    }

    static InputOverride parseOne(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new InvalidOverrideException("empty override; expected target.input=value, e.g. 3.seed=42 or KSampler.seed=42");
        }
        int eq;
        if (spec.startsWith("\"")) {
            int close = spec.indexOf('"', 1);
            if (close < 0) {
                throw new InvalidOverrideException("override '" + spec + "': unterminated quote in the node title");
            }
            eq = spec.indexOf('=', close);
        } else {
            eq = spec.indexOf('=');
        }
        if (eq < 0) {
            throw new InvalidOverrideException("override '" + spec + "': missing '='; expected target.input=value, e.g. 3.seed=42");
        }
        String[] key = splitKey(spec.substring(0, eq), spec);
        return new InputOverride(spec, key[0], key[1], spec.substring(eq + 1));
    }

    /** Splits {@code target.input}; a quoted target may contain dots, otherwise the input is after the last dot. */
    private static String[] splitKey(String key, String spec) {
        String k = key.strip();
        String target;
        String input;
        if (k.startsWith("\"")) {
            int close = k.indexOf('"', 1);
            if (close < 0 || close + 1 >= k.length() || k.charAt(close + 1) != '.') {
                throw new InvalidOverrideException("override '" + spec + "': expected \"Node Title\".input=value");
            }
            target = k.substring(1, close);
            input = k.substring(close + 2);
        } else {
            int dot = k.lastIndexOf('.');
            if (dot <= 0) {
                throw new InvalidOverrideException("override '" + spec + "': expected target.input=value, where target is a node id,"
                        + " a node title or a class_type, e.g. 3.seed=42 or KSampler.seed=42");
            }
            target = k.substring(0, dot);
            input = k.substring(dot + 1);
        }
        if (target.isBlank() || input.isBlank()) {
            throw new InvalidOverrideException("override '" + spec + "': empty node or input name; expected target.input=value");
        }
        return new String[] {target, input.strip()};
    }

    /** Applies every override to {@code graph} in place; {@code source} is named in errors. */
    void applyTo(ObjectNode graph, String source) {
        for (InputOverride o : overrides) {
            String nodeId = resolve(graph, o, source);
            ObjectNode node = (ObjectNode) graph.get(nodeId);
            ObjectNode inputs = (ObjectNode) node.get("inputs");
            String describe = describe(nodeId, node);
            JsonNode current = inputs.get(o.input());
            if (current == null) {
                String names = String.join(", ", iterable(inputs));
                throw new InvalidOverrideException(prefix(o, source) + "node " + describe + " has no input '" + o.input() + "'"
                        + (names.isEmpty() ? "" : "; its inputs are: " + names));
            }
            inputs.set(o.input(), typed(o, current, describe, source));
        }
    }

    private static String resolve(ObjectNode graph, InputOverride o, String source) {
        if (graph.has(o.target())) {
            return o.target();
        }
        List<String> byTitle = new ArrayList<>();
        List<String> byClass = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : graph.properties()) {
            JsonNode title = e.getValue().path("_meta").path("title");
            if (title.isTextual() && title.asText().equals(o.target())) {
                byTitle.add(e.getKey());
            }
            if (e.getValue().path("class_type").asText().equals(o.target())) {
                byClass.add(e.getKey());
            }
        }
        if (byTitle.size() == 1) {
            return byTitle.get(0);
        }
        if (byTitle.size() > 1) {
            throw new InvalidOverrideException(prefix(o, source) + "title \"" + o.target() + "\" is ambiguous: nodes "
                    + String.join(", ", byTitle) + " all have it; use the node id, e.g. " + byTitle.get(0) + "." + o.input());
        }
        if (byClass.size() == 1) {
            return byClass.get(0);
        }
        if (byClass.size() > 1) {
            throw new InvalidOverrideException(prefix(o, source) + "class " + o.target() + " is ambiguous: nodes "
                    + byClass.stream().map(id -> describe(id, (ObjectNode) graph.get(id))).collect(Collectors.joining(", "))
                    + "; use the node id or a title, e.g. " + byClass.get(0) + "." + o.input());
        }
        List<String> known = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : graph.properties()) {
            known.add(describe(e.getKey(), (ObjectNode) e.getValue()));
        }
        throw new InvalidOverrideException(prefix(o, source) + "no node with id, title or class \"" + o.target()
                + "\"; the nodes are: " + String.join(", ", known));
    }

    private static JsonNode typed(InputOverride o, JsonNode current, String node, String source) {
        String where = prefix(o, source) + "input '" + o.input() + "' of node " + node;
        Object value = o.value();
        if (current.isArray()) {
            throw new InvalidOverrideException(where + " is linked to node " + current.path(0).asText() + " output "
                    + current.path(1).asText() + "; a link cannot be replaced by a value (override an input of node "
                    + current.path(0).asText() + " instead)");
        }
        if (value == null) {
            throw new InvalidOverrideException(where + ": null is not a valid value");
        }
        if (current.isIntegralNumber()) {
            if (value instanceof Number n && !(value instanceof Double || value instanceof Float || value instanceof BigDecimal)) {
                return LongNode.valueOf(n.longValue());
            }
            if (value instanceof CharSequence s) {
                try {
                    return LongNode.valueOf(Long.parseLong(s.toString().strip()));
                } catch (NumberFormatException e) {
                    // fall through to the error
                }
            }
            throw new InvalidOverrideException(where + " is an integer (now " + current + "); '" + value + "' is not an integer");
        }
        if (current.isNumber()) {
            if (value instanceof Number n) {
                return DoubleNode.valueOf(n.doubleValue());
            }
            if (value instanceof CharSequence s) {
                try {
                    double d = Double.parseDouble(s.toString().strip());
                    if (Double.isFinite(d)) {
                        return DoubleNode.valueOf(d);
                    }
                } catch (NumberFormatException e) {
                    // fall through to the error
                }
            }
            throw new InvalidOverrideException(where + " is a number (now " + current + "); '" + value + "' is not a number");
        }
        if (current.isBoolean()) {
            if (value instanceof Boolean b) {
                return BooleanNode.valueOf(b);
            }
            String s = value.toString().strip().toLowerCase(Locale.ROOT);
            if (s.equals("true") || s.equals("false")) {
                return BooleanNode.valueOf(Boolean.parseBoolean(s));
            }
            throw new InvalidOverrideException(where + " is a boolean (now " + current + "); '" + value + "' is not true or false");
        }
        if (current.isTextual()) {
            if (value instanceof CharSequence || value instanceof Number || value instanceof Boolean) {
                return TextNode.valueOf(value.toString());
            }
            throw new InvalidOverrideException(where + " is a string; a " + value.getClass().getSimpleName() + " does not fit");
        }
        // An input that is null today (an optional input left empty): take numbers and booleans as they are, text as text.
        if (current.isNull()) {
            if (value instanceof Boolean b) {
                return BooleanNode.valueOf(b);
            }
            if (value instanceof Number n) {
                return n instanceof Double || n instanceof Float || n instanceof BigDecimal
                        ? DoubleNode.valueOf(n.doubleValue()) : LongNode.valueOf(n.longValue());
            }
            return TextNode.valueOf(value.toString());
        }
        throw new InvalidOverrideException(where + " holds " + Workflow.kind(current) + "; it cannot be overridden by a single value");
    }

    private static String prefix(InputOverride o, String source) {
        return source + ": override '" + (o.spec() != null ? o.spec() : o.target() + "." + o.input() + "=" + o.value()) + "': ";
    }

    private static String describe(String id, ObjectNode node) {
        JsonNode title = node.path("_meta").path("title");
        String cls = node.path("class_type").asText();
        return title.isTextual() && !title.asText().isBlank() && !title.asText().equals(cls)
                ? id + " " + cls + " \"" + title.asText() + "\""
                : id + " " + cls;
    }

    private static Iterable<String> iterable(ObjectNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Override
    public String toString() {
        return overrides.stream().map(o -> o.target() + "." + o.input()).collect(Collectors.joining(", ", "WorkflowOverrides[", "]"));
    }
}
