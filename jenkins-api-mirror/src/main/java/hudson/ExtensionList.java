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
        this.items = items;
    }

    public static <T> ExtensionList<T> lookup(Class<T> type) {
        return new ExtensionList<>(MirrorJenkins.extensions().stream().filter(type::isInstance).map(type::cast).toList());
    }

    public static <U> U lookupSingleton(Class<U> type) {
        ExtensionList<U> all = lookup(type);
        if (all.size() != 1) {
            throw new IllegalStateException("Expected 1 instance of " + type.getName() + " but got " + all.size());
        }
        return all.get(0);
    }

    public <U extends T> U get(Class<U> type) {
        return items.stream().filter(type::isInstance).map(type::cast).findFirst().orElse(null);
    }

    @Override
    public T get(int index) {
        return items.get(index);
    }

    @Override
    public int size() {
        return items.size();
    }
}
