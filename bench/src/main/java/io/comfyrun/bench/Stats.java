package io.comfyrun.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Arrays;
import java.util.Collection;

/**
 * Percentiles of one set of samples (nearest-rank, so p99 of 200 samples is the second largest). These
 * machines are noisy: the report gives percentiles of one run, never a lone absolute time.
 */
record Stats(int n, double p50, double p99, double max, double mean) {

    static Stats of(Collection<Double> samples) {
        double[] v = samples.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        if (v.length == 0) {
            return new Stats(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        return new Stats(v.length, rank(v, 0.50), rank(v, 0.99), v[v.length - 1], Arrays.stream(v).average().orElse(0));
    }

    private static double rank(double[] sorted, double p) {
        int i = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    boolean empty() {
        return n == 0;
    }

    ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("n", n);
        if (n > 0) {
            o.put("p50", round(p50));
            o.put("p99", round(p99));
            o.put("max", round(max));
            o.put("mean", round(mean));
        }
        return o;
    }

    /** "p50 1.2 / p99 3.4 ms (n=200)". */
    String text(String unit) {
        if (n == 0) {
            return "no samples";
        }
        return "p50 " + fmt(p50) + " / p99 " + fmt(p99) + " " + unit + " (n=" + n + ")";
    }

    static double round(double d) {
        return Math.round(d * 1000.0) / 1000.0;
    }

    static String fmt(double d) {
        if (Double.isNaN(d)) {
            return "n/a";
        }
        double a = Math.abs(d);
        if (a >= 100) {
            return String.format("%,.0f", d);
        }
        if (a >= 10) {
            return String.format("%.1f", d);
        }
        return String.format("%.2f", d);
    }
}
