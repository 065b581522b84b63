package io.comfyrun.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/** The tables of docs/benchmarks.md and the raw results of docs/benchmarks.json. */
final class Report {

    /** One figure; {@code pass} is null where the metric has no target or the client could not be measured. */
    record Cell(String text, Boolean pass) {
        static Cell of(String text) {
            return new Cell(text, null);
        }

        static Cell judged(String text, boolean pass) {
            return new Cell(text, pass);
        }

        String markdown() {
            String t = text.replace("|", "\\|");
            return pass == null ? t : t + " — **" + (pass ? "PASS" : "FAIL") + "**";
        }
    }

    record Row(String measure, Cell comfyrun, Cell saintno, Cell stableCanvas) {
    }

    /** One metric: its target, a row per sub-measure, and notes (why a target is missed, how it was measured). */
    static final class Table {
        final String title;
        final String target;
        final List<Row> rows = new ArrayList<>();
        final List<String> notes = new ArrayList<>();

        Table(String title, String target) {
            this.title = title;
            this.target = target;
        }

        Table row(String measure, Cell comfyrun, Cell saintno, Cell stableCanvas) {
            rows.add(new Row(measure, comfyrun, saintno, stableCanvas));
            return this;
        }

        Table note(String text) {
            notes.add(text);
            return this;
        }

        /** PASS when every judged comfyRun cell passes, FAIL when one fails, "—" when none is judged. */
        String verdict() {
            boolean any = false;
            for (Row r : rows) {
                if (r.comfyrun.pass != null) {
                    any = true;
                    if (!r.comfyrun.pass) {
                        return "FAIL";
                    }
                }
            }
            return any ? "PASS" : "—";
        }
    }

    final List<Table> tables = new ArrayList<>();
    final ObjectNode raw = JsonNodeFactory.instance.objectNode();

    Table table(String title, String target) {
        Table t = new Table(title, target);
        tables.add(t);
        return t;
    }

    String markdown(String header) {
        StringBuilder md = new StringBuilder(header);
        md.append("\n## Summary\n\n| metric | target | comfyRun |\n|---|---|---|\n");
        for (Table t : tables) {
            md.append("| ").append(t.title).append(" | ").append(t.target).append(" | ").append(t.verdict()).append(" |\n");
        }
        int i = 1;
        for (Table t : tables) {
            md.append("\n## ").append(i++).append(". ").append(t.title).append("\n\n");
            md.append("Target: ").append(t.target).append(". comfyRun: **").append(t.verdict()).append("**\n\n");
            md.append("| measure | comfyRun | ").append(PeerRunner.Peer.SAINTNO.label).append(" | ")
                    .append(PeerRunner.Peer.STABLE_CANVAS.label).append(" |\n|---|---|---|---|\n");
            for (Row r : t.rows) {
                md.append("| ").append(r.measure).append(" | ").append(r.comfyrun.markdown()).append(" | ")
                        .append(r.saintno.markdown()).append(" | ").append(r.stableCanvas.markdown()).append(" |\n");
            }
            if (!t.notes.isEmpty()) {
                md.append('\n');
                for (String n : t.notes) {
                    md.append("- ").append(n).append('\n');
                }
            }
        }
        return md.toString();
    }
}
