package io.comfyrun.fake.execution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The nodes still to run for one prompt and the order ComfyUI picks them in: among the ready nodes,
 * an output node first, then a node one hop before an output, then two hops, else the first ready
 * node in discovery order (execution.py {@code ux_friendly_pick_node}). Discovery is the same
 * depth-first walk from each output, so the order matches the real server's (4, 6, 7, 5, 3, 8, 9 for
 * the standard txt2img graph).
 */
final class ExecutionList {

    private final ObjectNode prompt;
    private final Predicate<String> isOutput;
    private final Predicate<String> isCached;
    private final LinkedHashMap<String, Boolean> pending = new LinkedHashMap<>();
    private final Map<String, Integer> blockCount = new LinkedHashMap<>();
    private final Map<String, Set<String>> blocking = new LinkedHashMap<>();

    ExecutionList(ObjectNode prompt, Predicate<String> isOutput, Predicate<String> isCached) {
        this.prompt = prompt;
        this.isOutput = isOutput;
        this.isCached = isCached;
    }

    static boolean isLink(JsonNode v) {
        return v != null && v.isArray() && v.size() == 2 && (v.get(0).isTextual() || v.get(0).isNumber())
                && v.get(1).isIntegralNumber();
    }

    void addNode(String outputId) {
        List<String> stack = new ArrayList<>();
        stack.add(outputId);
        List<String[]> links = new ArrayList<>();
        while (!stack.isEmpty()) {
            String id = stack.remove(stack.size() - 1);
            if (pending.containsKey(id)) {
                continue;
            }
            pending.put(id, Boolean.TRUE);
            blockCount.put(id, 0);
            blocking.put(id, new LinkedHashSet<>());
            JsonNode inputs = prompt.path(id).path("inputs");
            for (Map.Entry<String, JsonNode> in : inputs.properties()) {
                if (isLink(in.getValue())) {
                    String from = in.getValue().get(0).asText();
                    if (!isCached.test(from)) {
                        stack.add(from);
                    }
                    links.add(new String[] {from, id});
                }
            }
        }
        for (String[] link : links) {
            String from = link[0];
            String to = link[1];
            if (isCached.test(from)) {
                continue;
            }
            if (!pending.containsKey(from)) {
                addNode(from);
            }
            if (blocking.get(from).add(to)) {
                blockCount.merge(to, 1, Integer::sum);
            }
        }
    }

    boolean isEmpty() {
        return pending.isEmpty();
    }

    /** The next node to run, or null if none is ready (cannot happen for an acyclic prompt). */
    String pick() {
        List<String> ready = new ArrayList<>();
        for (String id : pending.keySet()) {
            if (blockCount.get(id) == 0) {
                ready.add(id);
            }
        }
        if (ready.isEmpty()) {
            return null;
        }
        for (String id : ready) {
            if (isOutput.test(id)) {
                return id;
            }
        }
        for (String id : ready) {
            for (String b : blocking.get(id)) {
                if (isOutput.test(b)) {
                    return id;
                }
            }
        }
        for (String id : ready) {
            for (String b : blocking.get(id)) {
                for (String b1 : blocking.get(b)) {
                    if (isOutput.test(b1)) {
                        return id;
                    }
                }
            }
        }
        return ready.get(0);
    }

    void complete(String id) {
        pending.remove(id);
        Set<String> blocked = blocking.getOrDefault(id, Set.of());
        for (String to : blocked) {
            blockCount.merge(to, -1, Integer::sum);
        }
        blocking.remove(id);
        blockCount.remove(id);
    }

    Set<String> pendingIds() {
        return new HashSet<>(pending.keySet());
    }
}
