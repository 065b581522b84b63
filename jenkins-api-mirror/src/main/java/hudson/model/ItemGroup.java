package hudson.model;

/**
 * Mirror of jenkins-core {@code hudson.model.ItemGroup} (real also extends PersistenceRoot and has item lookups): a
 * folder of items, or Jenkins itself, whose full name is "".
 */
public interface ItemGroup<T extends Item> extends ModelObject {
    String getFullName();
}
