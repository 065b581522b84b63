package hudson.util;

import java.util.ArrayList;
import java.util.Collection;

/** Mirror of jenkins-core {@code hudson.util.ListBoxModel} (real: also implements Stapler's HttpResponse). */
public class ListBoxModel extends ArrayList<ListBoxModel.Option> {
    public ListBoxModel() {
    }

    public ListBoxModel(int initialCapacity) {
        super(initialCapacity);
    }

    public ListBoxModel(Collection<Option> c) {
        super(c);
    }

    public ListBoxModel(Option... data) {
        super(java.util.List.of(data));
    }

    public void add(String displayName, String value) {
        add(new Option(displayName, value));
    }

    public ListBoxModel add(String nameAndValue) {
        add(nameAndValue, nameAndValue);
        return this;
    }

    public Option[] values() {
        return toArray(new Option[0]);
    }

    public static final class Option {
        public String name;
        public String value;
        public boolean selected;

        public Option(String name, String value) {
            this(name, value, false);
        }

        public Option(String name) {
            this(name, name);
        }

        public Option(String name, String value, boolean selected) {
            this.name = name;
            this.value = value;
            this.selected = selected;
        }

        @Override
        public String toString() {
            return name + "=" + value + (selected ? "[selected]" : "");
        }
    }

    private static final long serialVersionUID = 1L;
}
