package hudson;

import io.comfyrun.mirror.MirrorJenkins;
import java.util.AbstractList;
import java.util.List;

/**
 * Mirror of jenkins-core {@code hudson.ExtensionList}. Lookups are answered from
 * {@link MirrorJenkins#register(Object)} (mirror-only), standing in for the {@code @Extension} index.
 */
public class ExtensionList<T> extends AbstractList<T> {
    private final List<T> items;

    private ExtensionList(List<T> items) {
        // (the real constructors are protected and take Jenkins; this private one is the mirror's own)
        this.items = items;
    }

    public static <T> ExtensionList<T> lookup(Class<T> type) {
        // real lookup: Jenkins.get().getExtensionList(type), the @Extension instances of that type; the mirror's
        // index is MirrorJenkins.register (test support)
        return new ExtensionList<>(MirrorJenkins.extensions().stream().filter(type::isInstance).map(type::cast).toList());
    }

    public static <U> U lookupSingleton(Class<U> type) {
        // real lookupSingleton: the one instance, IllegalStateException unless exactly one
        ExtensionList<U> all = lookup(type);
        if (all.size() != 1) {
            throw new IllegalStateException("Expected 1 instance of " + type.getName() + " but got " + all.size());
        }
        return all.get(0);
    }

    public <U extends T> U get(Class<U> type) {
        // real get(Class): the first instance of exactly that class (subclasses excluded), or null
        return items.stream().filter(e -> e.getClass() == type).map(type::cast).findFirst().orElse(null);
    }

    @Override
    public T get(int index) {
        // real get(int)
        return items.get(index);
    }

    @Override
    public int size() {
        // real size()
        return items.size();
    }
}
