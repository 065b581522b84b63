package hudson.util;

import java.util.ArrayList;
import java.util.Collection;

/** Mirror of jenkins-core {@code hudson.util.ListBoxModel} (real: also implements Stapler's HttpResponse). */
public class ListBoxModel extends ArrayList<ListBoxModel.Option> {
    public ListBoxModel() {
        // real ListBoxModel(): empty
    }

    public ListBoxModel(int initialCapacity) {
        // real ListBoxModel(int)
        super(initialCapacity);
    }

    public ListBoxModel(Collection<Option> c) {
        // real ListBoxModel(Collection): those options
        super(c);
    }

    public ListBoxModel(Option... data) {
        // real ListBoxModel(Option...): those options
        super(java.util.List.of(data));
    }

    public void add(String displayName, String value) {
        // real add(String, String): an unselected option
        add(new Option(displayName, value));
    }

    public ListBoxModel add(String nameAndValue) {
        // real add(String): name and value the same; returns this
        add(nameAndValue, nameAndValue);
        return this;
    }

    public static final class Option {
        public String name;
        public String value;
        public boolean selected;

        public Option(String name, String value) {
            // real Option(String, String): not selected
            this(name, value, false);
        }

        public Option(String name) {
            // real Option(String): name and value the same
            this(name, name);
        }

        public Option(String name, String value, boolean selected) {
            // real Option(String, String, boolean)
            this.name = name;
            this.value = value;
            this.selected = selected;
        }

        @Override
        public String toString() {
            // real toString: name=value, "[selected]" when selected
            return name + "=" + value + (selected ? "[selected]" : "");
        }
    }

    private static final long serialVersionUID = 1L;
}
