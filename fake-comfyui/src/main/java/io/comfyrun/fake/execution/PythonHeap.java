package io.comfyrun.fake.execution;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A binary min-heap laid out exactly like Python's {@code heapq}, because GET /queue shows the raw
 * heap array ({@code queue_pending} is not sorted; clients must sort by number themselves).
 */
final class PythonHeap<T extends Comparable<T>> {

    private final ArrayList<T> a = new ArrayList<>();

    void push(T item) {
        a.add(item);
        siftDown(0, a.size() - 1);
    }

    T pop() {
        T last = a.remove(a.size() - 1);
        if (a.isEmpty()) {
            return last;
        }
        T top = a.get(0);
        a.set(0, last);
        siftUp(0);
        return top;
    }

    int size() {
        return a.size();
    }

    boolean isEmpty() {
        return a.isEmpty();
    }

    List<T> rawArray() {
        return List.copyOf(a);
    }

    /** {@code queue.pop(i); heapq.heapify(queue)} for the first match, as ComfyUI deletes. */
    boolean removeFirst(Predicate<T> match) {
        for (int i = 0; i < a.size(); i++) {
            if (match.test(a.get(i))) {
                a.remove(i);
                heapify();
                return true;
            }
        }
        return false;
    }

    void clear() {
        a.clear();
    }

    private void heapify() {
        for (int i = a.size() / 2 - 1; i >= 0; i--) {
            siftUp(i);
        }
    }

    // heapq._siftdown: move the item at pos up towards startpos
    private void siftDown(int startpos, int pos) {
        T newitem = a.get(pos);
        while (pos > startpos) {
            int parentpos = (pos - 1) >> 1;
            T parent = a.get(parentpos);
            if (newitem.compareTo(parent) < 0) {
                a.set(pos, parent);
                pos = parentpos;
                continue;
            }
            break;
        }
        a.set(pos, newitem);
    }

    // heapq._siftup: move the smaller child up until hitting a leaf, then sift the item down
    private void siftUp(int pos) {
        int endpos = a.size();
        int startpos = pos;
        T newitem = a.get(pos);
        int childpos = 2 * pos + 1;
        while (childpos < endpos) {
            int rightpos = childpos + 1;
            if (rightpos < endpos && !(a.get(childpos).compareTo(a.get(rightpos)) < 0)) {
                childpos = rightpos;
            }
            a.set(pos, a.get(childpos));
            pos = childpos;
            childpos = 2 * pos + 1;
        }
        a.set(pos, newitem);
        siftDown(startpos, pos);
    }
}
