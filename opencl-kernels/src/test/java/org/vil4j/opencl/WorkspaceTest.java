package org.vil4j.opencl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The workspace allocator alone (no device): blocks never overlap, gaps are reused, the top follows the live. */
class WorkspaceTest {
    private record Block(int slot, long serial, int offset, int size) {
    }

    private static List<Block> live(Workspace w, List<Block> blocks) {
        return blocks.stream().filter(b -> w.isLive(b.slot(), b.serial())).toList();
    }

    private static Block push(Workspace w, int n) {
        int slot = w.push(n);
        return new Block(slot, w.serialOf(slot), w.offsetOf(slot), w.sizeOf(slot));
    }

    private static void checkInvariants(Workspace w, List<Block> blocks, int base) {
        List<Block> live = new ArrayList<>(live(w, blocks));
        live.sort((a, b) -> Integer.compare(a.offset(), b.offset()));
        int end = base;
        for (Block b : live) {
            assertThat(b.offset()).as("blocks overlap").isGreaterThanOrEqualTo(end);
            assertThat(b.offset() % 32).isZero();
            end = Math.max(end, b.offset() + b.size());
        }
        assertThat(w.top()).as("the top is the end of the highest live block").isEqualTo(end);
        assertThat(w.isEmpty()).isEqualTo(live.isEmpty());
    }

    @Test
    void aFreedGapIsReusedAndTheTopFalls() {
        Workspace w = new Workspace();
        w.setBase(64);
        Block a = push(w, 100);
        Block b = push(w, 10);
        Block c = push(w, 50);
        assertThat(a.offset()).isEqualTo(64);
        assertThat(b.offset()).isEqualTo(64 + 128);
        w.free(a.slot(), a.serial());
        Block d = push(w, 60); // best fit: a's gap
        assertThat(d.offset()).isEqualTo(64);
        w.free(c.slot(), c.serial());
        assertThat(w.top()).isEqualTo(b.offset() + 32);
        w.free(b.slot(), b.serial());
        assertThat(w.top()).isEqualTo(64 + 64); // d is the highest now
        assertThatThrownBy(() -> w.free(b.slot(), b.serial())).isInstanceOf(IllegalStateException.class);
        w.free(d.slot(), d.serial());
        assertThat(w.top()).isEqualTo(64);
        assertThat(w.isEmpty()).isTrue();
    }

    @Test
    void releaseFreesWhatWasMadeAfterTheMarkWhereverItLies() {
        Workspace w = new Workspace();
        w.setBase(0);
        Block a = push(w, 256);
        Block b = push(w, 32);
        w.free(a.slot(), a.serial());
        long mark = w.mark();
        Block c = push(w, 64); // into a's gap, below b
        assertThat(c.offset()).isLessThan(b.offset());
        Block d = push(w, 512);
        w.release(mark);
        assertThat(w.isLive(c.slot(), c.serial())).isFalse();
        assertThat(w.isLive(d.slot(), d.serial())).isFalse();
        assertThat(w.isLive(b.slot(), b.serial())).isTrue();
        assertThat(w.top()).isEqualTo(b.offset() + 32);
    }

    @Test
    void releaseExceptKeepsTheSurvivorsInPlace() {
        Workspace w = new Workspace();
        w.setBase(0);
        long mark = w.mark();
        Block a = push(w, 40);
        Block b = push(w, 40);
        Block c = push(w, 40);
        w.releaseExcept(mark, new long[]{b.serial()});
        assertThat(w.isLive(a.slot(), a.serial())).isFalse();
        assertThat(w.isLive(b.slot(), b.serial())).isTrue();
        assertThat(w.offsetOf(b.slot())).isEqualTo(b.offset());
        assertThat(w.isLive(c.slot(), c.serial())).isFalse();
        assertThat(w.top()).isEqualTo(b.offset() + b.size());
        Block e = push(w, 10);
        assertThat(e.offset()).isZero(); // a's gap
        // a reused slot has a new serial: the old handle stays dead
        assertThat(e.slot()).isIn(a.slot(), c.slot());
        assertThat(w.isLive(a.slot(), a.serial()) || w.isLive(c.slot(), c.serial())).isFalse();
    }

    @Test
    void randomAllocationsFreesAndReleasesKeepTheInvariants() {
        Random random = new Random(7);
        Workspace w = new Workspace();
        w.setBase(1000);
        List<Block> blocks = new ArrayList<>();
        List<Long> marks = new ArrayList<>();
        for (int step = 0; step < 20_000; step++) {
            int op = random.nextInt(10);
            List<Block> live = live(w, blocks);
            if (op < 5 || live.isEmpty()) {
                blocks.add(push(w, random.nextInt(3) == 0 ? random.nextInt(5000) : random.nextInt(100)));
            } else if (op < 8) {
                Block b = live.get(random.nextInt(live.size()));
                w.free(b.slot(), b.serial());
            } else if (op == 8) {
                marks.add(w.mark());
            } else if (!marks.isEmpty()) {
                long mark = marks.remove(random.nextInt(marks.size()));
                long[] keep = live.stream().filter(b -> b.serial() >= mark && random.nextInt(4) == 0)
                        .mapToLong(Block::serial).toArray();
                w.releaseExcept(mark, keep);
                for (Block b : live) {
                    boolean kept = false;
                    for (long k : keep) {
                        kept |= k == b.serial();
                    }
                    assertThat(w.isLive(b.slot(), b.serial())).isEqualTo(b.serial() < mark || kept);
                }
            }
            checkInvariants(w, blocks, 1024); // the base is aligned up
            if (blocks.size() > 2000) {
                blocks.removeIf(b -> !w.isLive(b.slot(), b.serial()));
            }
        }
    }
}
