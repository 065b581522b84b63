package hudson;

import java.util.AbstractList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import jenkins.model.Jenkins;

/**
 * Mirror of jenkins-core {@code hudson.ExtensionList}: the extensions of one type in the running Jenkins. The real
 * list is filled from the {@code @Extension} index of the installed plugins; the mirror's Jenkins has no index, so a
 * list holds exactly what was {@link #add added} (tests add the plugin's extensions, as the index would).
 */
public class ExtensionList<T> extends AbstractList<T> {
    private final List<T> items = new CopyOnWriteArrayList<>();

    protected ExtensionList(Jenkins jenkins, Class<T> extensionType) {
        // real ExtensionList(Jenkins, Class): an empty list of that type, loaded lazily from the index (none here)
    }

    public static <T> ExtensionList<T> create(Jenkins jenkins, Class<T> type) {
        // real create(Jenkins, Class): a new list of that type
        return new ExtensionList<>(jenkins, type);
    }

    public static <T> ExtensionList<T> lookup(Class<T> type) {
        // real lookup: Jenkins.get().getExtensionList(type)
        return Jenkins.get().getExtensionList(type);
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

    @Override
    @Deprecated
    public boolean add(T t) {
        // real add (deprecated): keeps the instance in this list (a "legacy" instance, not from the index)
        return items.add(t);
    }

    @Override
    public boolean remove(Object o) {
        // real remove(Object): removes that instance
        return items.remove(o);
    }
}
