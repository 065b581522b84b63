package hudson.model;

import hudson.ExtensionPoint;

/**
 * Mirror of jenkins-core {@code hudson.model.TopLevelItem}, only as the item type of the mirror's {@code Jenkins}
 * item group (real also narrows getDescriptor to TopLevelItemDescriptor and has more members; none is used here).
 */
public interface TopLevelItem extends Item, ExtensionPoint, Describable<TopLevelItem> {
}
