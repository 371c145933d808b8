package org.vil4j.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.vil4j.segmentation.data.FmnistScenes;
import org.vil4j.training.data.Dataset;
import org.vil4j.training.data.FashionMnist;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code vil train --task segmentation}, {@code vil eval} and {@code vil segment} end to end on a tiny model. */
class SegmentationCommandsTest {
    @TempDir
    static Path shared;
    static Path data;
    static Path run;
    static CliRun trained;

    @BeforeAll
    static void train() throws IOException {
        // a few hundred toy items written here: reading the real 60,000 would take most of the test's time
        data = shared.resolve("fmnist");
        TrainCommandTest.writeIdx(data, "train", 320, 1);
        TrainCommandTest.writeIdx(data, "t10k", 128, 2);
        run = shared.resolve("run");
        // a scene layout other than the defaults: eval must draw the held-out scenes from what the file records
        trained = CliRun.of("train", "--task", "segmentation", "--data", data.toString(), "--canvas", "16",
                "--item-scale", "0.5,0.6", "--max-occlusion", "0.5", "--max-items", "2", "--scenes", "32", "--test-scenes", "8", "--epochs", "2", "--batch-size", "16", "--dim", "8",
                "--depth", "1", "--decoder-channels", "4", "--seed", "3", "--backend", "java", "--out",
                run.toString());
    }

    @Test
    void trainingWritesTheModelTheMetricsAndThePerClassTable() throws IOException {
        assertThat(trained.exitCode()).as(trained.err()).isZero();
        assertThat(trained.out()).contains("epoch 1: train loss", "epoch 2: train loss", "background", "Ankle boot",
                "test mIoU: ", "pixel accuracy");
        assertThat(Files.readAllLines(run.resolve("metrics.jsonl"))).hasSize(2)
                .allSatisfy(l -> assertThat(l).contains("\"test_miou\""));
        assertThat(Files.readString(run.resolve("config.json"))).contains("\"task\":\"segmentation\"",
                "fmnist-scenes");
        assertThat(run.resolve("model.safetensors")).isRegularFile();
    }

    @Test
    void evalRecomputesTheRunsHeldOutNumbers() {
        CliRun eval = CliRun.of("eval", "--weights", run.resolve("model.safetensors").toString(), "--data",
                data.toString(), "--backend", "java");
        assertThat(eval.exitCode()).as(eval.err()).isZero();
        // the same held-out scenes (seed, count and items come from the model file) give the run's last numbers
        String last = trained.out().lines().filter(l -> l.startsWith("mIoU ")).findFirst().orElseThrow();
        assertThat(eval.out()).contains(last, "8 images of fmnist-scenes/test");
    }

    @Test
    void evalWithTestViewsSumsTheViewsAndRefusesWhatItCannot() throws IOException {
        CliRun views = CliRun.of("eval", "--weights", run.resolve("model.safetensors").toString(), "--data",
                data.toString(), "--backend", "java", "--test-views", "flip,shift");
        assertThat(views.exitCode()).as(views.err()).isZero();
        assertThat(views.out()).contains("mIoU ", "(8 views each: flip,shift)");
        CliRun bad = CliRun.of("eval", "--weights", run.resolve("model.safetensors").toString(), "--data",
                data.toString(), "--backend", "java", "--test-views", "zoom");
        assertThat(bad.err().strip()).isEqualTo("vil: --test-views: 'zoom' is none of flip, shift, "
                + "scale=R1/R2 (e.g. flip,shift or flip,scale=0.75/1.25)");
        Path image = shared.resolve("black.png");
        ImageIO.write(new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_GRAY), "png", image.toFile());
        CliRun segment = CliRun.of("segment", "--weights", run.resolve("model.safetensors").toString(), "--out",
                shared.resolve("views").toString(), "--backend", "java", "--test-views", "up", image.toString());
        assertThat(segment.err().strip()).isEqualTo("vil: --test-views: 'up' is none of flip, shift, "
                + "scale=R1/R2 (e.g. flip,shift or flip,scale=0.75/1.25)");
        CliRun segmentViews = CliRun.of("segment", "--weights", run.resolve("model.safetensors").toString(), "--out",
                shared.resolve("views").toString(), "--backend", "java", "--test-views", "shift", image.toString());
        assertThat(segmentViews.exitCode()).as(segmentViews.err()).isZero();
        assertThat(shared.resolve("views").resolve("black-mask.png")).isRegularFile();
    }

    @Test
    void aClassifiersModelFileStartsTheBackbone() throws IOException {
        Path classifier = shared.resolve("classifier");
        CliRun cls = CliRun.of("train", "--data", data.toString(), "--max-train-samples", "64", "--max-test-samples",
                "32", "--epochs", "1", "--batch-size", "32", "--patch", "4", "--dim", "8", "--depth", "1", "--backend",
                "java", "--loader-threads", "1", "--out", classifier.toString());
        assertThat(cls.exitCode()).as(cls.err()).isZero();
        Path seg = shared.resolve("from-classifier");
        CliRun run = CliRun.of("train", "--task", "segmentation", "--data", data.toString(), "--canvas", "16",
                "--scenes", "16", "--test-scenes", "4", "--epochs", "1", "--batch-size", "16", "--decoder-channels",
                "4", "--backend", "java", "--weights", classifier.resolve("model.safetensors").toString(), "--out",
                seg.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).contains("backbone from", "head.weight", "the decoder starts fresh");
        var file = org.vil4j.segmentation.SegmentationModelFile.read(seg.resolve("model.safetensors"));
        assertThat(file.config().backbone().dim()).as("the classifier's structure, not the defaults").isEqualTo(8);
        assertThat(file.config().backbone().patchSize()).isEqualTo(4);
        // the classifier's input statistics (Fashion-MNIST's), which its features were learned with
        assertThat(file.normalisation().mean(0)).isEqualTo(0.2860f);
    }

    @Test
    void aClassifierOnPlacedItemsStartsTheBackboneAtTheScenesGrid() throws IOException {
        Path classifier = shared.resolve("placed-classifier");
        CliRun cls = CliRun.of("train", "--dataset", "fmnist-placed", "--canvas", "16", "--item-scale", "0.5,0.6",
                "--placed-copies", "2", "--data", data.toString(), "--max-test-samples", "32", "--epochs", "1",
                "--batch-size", "64", "--patch", "4", "--dim", "8", "--depth", "1", "--backend", "java",
                "--loader-threads", "1", "--seed", "5", "--out", classifier.toString());
        assertThat(cls.exitCode()).as(cls.err()).isZero();
        String config = Files.readString(classifier.resolve("config.json"));
        // every training item twice, the model at the canvas, the name saying what drew the samples
        assertThat(config).contains("fmnist-placed (canvas 16, --item-scale 0.5,0.6)", "\"train_samples\":640");
        assertThat(cls.out()).contains("test accuracy");
        // eval draws the same held-out placements from what the model file records (seed, canvas, item scales)
        String accuracy = cls.out().lines().filter(l -> l.startsWith("test accuracy: ")).findFirst().orElseThrow()
                .substring("test accuracy: ".length()).split("%")[0];
        CliRun eval = CliRun.of("eval", "--weights", classifier.resolve("model.safetensors").toString(), "--dataset",
                "fmnist-placed", "--data", data.toString(), "--limit", "32", "--backend", "java");
        assertThat(eval.exitCode()).as(eval.err()).isZero();
        assertThat(eval.out()).contains("32 images of fmnist-placed/test")
                .containsPattern("\\| top-1  \\| +" + java.util.regex.Pattern.quote(accuracy) + "% \\|");
        // ... the run's own placements: its seed and item scales, at the model's canvas, not the options' defaults
        SegmentationOptions defaults = new SegmentationOptions(); // as picocli fills them
        defaults.placedCopies = 1;
        defaults.itemScale = "0.75,1.25";
        var recorded = org.vil4j.training.model.WeightsFiles.read(classifier.resolve("model.safetensors")).info();
        var placed = EvalCommand.placedTest(recorded.provenance(), data.toString(), defaults, 16);
        var expected = new org.vil4j.segmentation.data.FmnistPlaced(FashionMnist.test(data), "test",
                new org.vil4j.segmentation.data.SceneLayout(16, 1, 0.5, 0.6, 0), 1, 5 + 1_000_003);
        assertThat(placed.size()).isEqualTo(128);
        for (int i = 0; i < placed.size(); i++) {
            assertThat(placed.placement(i)).isEqualTo(expected.placement(i));
        }
        Path seg = shared.resolve("from-placed");
        CliRun run = CliRun.of("train", "--task", "segmentation", "--data", data.toString(), "--canvas", "16",
                "--scenes", "16", "--test-scenes", "4", "--epochs", "2", "--batch-size", "16", "--decoder-channels",
                "4", "--fresh-scenes", "--backend", "java", "--weights",
                classifier.resolve("model.safetensors").toString(), "--out", seg.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        var file = org.vil4j.segmentation.SegmentationModelFile.read(seg.resolve("model.safetensors"));
        assertThat(file.config().backbone().height()).isEqualTo(16);
        // the placed classifier's input statistics: the scenes' own
        assertThat(file.normalisation().mean(0)).isEqualTo(SegmentationTraining.FMNIST_SCENES.mean(0));
        // --fresh-scenes decides the data, so a resume without it is refused by name
        CliRun resume = CliRun.of("train", "--task", "segmentation", "--data", data.toString(), "--canvas", "16",
                "--scenes", "16", "--test-scenes", "4", "--epochs", "2", "--batch-size", "16", "--decoder-channels",
                "4", "--backend", "java", "--weights", classifier.resolve("model.safetensors").toString(), "--out",
                seg.toString(), "--resume");
        assertThat(resume.exitCode()).isNotZero();
        assertThat(resume.err().strip()).endsWith("records: --fresh-scenes not given (checkpoint: true)");
        CliRun copies = CliRun.of("train", "--dataset", "fmnist-placed", "--placed-copies", "0", "--data",
                data.toString(), "--backend", "java", "--out", shared.resolve("no-copies").toString());
        assertThat(copies.err().strip()).isEqualTo("vil: --placed-copies must be at least 1, got 0");
    }

    @Test
    void heldOutScenesPasteFashionMnistsTestImagesOnly() {
        SegmentationOptions options = new SegmentationOptions();
        options.scenes = 40;
        options.testScenes = 40;
        options.maxItems = 3;
        options.itemScale = "0.75,1.25";
        options.maxOcclusion = 0.25;
        Dataset testItems = FashionMnist.test(data), trainItems = FashionMnist.train(data);
        FmnistScenes heldOut = (FmnistScenes) options.open(null, data.toString(), true, 1, 0, Long.MAX_VALUE);
        FmnistScenes train = (FmnistScenes) options.open(null, data.toString(), false, 1, 0, Long.MAX_VALUE);
        assertThat(heldOut.name()).isEqualTo("fmnist-scenes/test");
        assertThat(heldOut.height()).isEqualTo(48);
        assertThat(pastedFrom(heldOut, testItems)).isTrue();
        assertThat(pastedFrom(train, trainItems)).isTrue();
        assertThat(pastedFrom(heldOut, trainItems)).as("the check can fail").isFalse();
    }

    /** Whether every scene's top item shows the pixels of {@code items}' image at its index. */
    private static boolean pastedFrom(FmnistScenes scenes, Dataset items) {
        float[] picture = new float[28 * 28];
        int side = scenes.height();
        for (int i = 0; i < scenes.size(); i++) {
            FmnistScenes.Scene scene = scenes.scene(i);
            FmnistScenes.Placement top = scene.items().get(scene.items().size() - 1);
            if (top.item() >= items.size() || items.label(top.item()) + 1 != top.label()) {
                return false;
            }
            items.image(top.item(), picture, 0);
            for (int y = 0; y < top.size(); y++) {
                for (int x = 0; x < top.size(); x++) {
                    float v = picture[(y * 28 / top.size()) * 28 + x * 28 / top.size()];
                    int p = (top.y() + y) * side + top.x() + x;
                    if (v > FmnistScenes.THRESHOLD && Math.abs(scene.pixels()[p] - v) > 1e-6) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    @Test
    void segmentWritesAMaskAndAnOverlayOfTheImagesSize() throws IOException {
        BufferedImage picture = new BufferedImage(40, 24, BufferedImage.TYPE_INT_RGB);
        for (int x = 8; x < 20; x++) {
            for (int y = 4; y < 20; y++) {
                picture.setRGB(x, y, 0xC0C0C0);
            }
        }
        Path image = shared.resolve("scene.png");
        ImageIO.write(picture, "png", image.toFile());
        Path out = shared.resolve("masks");
        CliRun segment = CliRun.of("segment", "--weights", run.resolve("model.safetensors").toString(), "--out",
                out.toString(), "--backend", "java", image.toString());
        assertThat(segment.exitCode()).as(segment.err()).isZero();
        BufferedImage mask = ImageIO.read(out.resolve("scene-mask.png").toFile());
        BufferedImage overlay = ImageIO.read(out.resolve("scene-overlay.png").toFile());
        assertThat(mask.getWidth()).isEqualTo(40);
        assertThat(mask.getHeight()).isEqualTo(24);
        assertThat(overlay.getWidth()).isEqualTo(40);
        assertThat(segment.out()).contains("scene.png: ");
        // where the mask is black (background) the overlay is the image itself
        for (int y = 0; y < 24; y++) {
            for (int x = 0; x < 40; x++) {
                if ((mask.getRGB(x, y) & 0xFFFFFF) == 0) {
                    assertThat(overlay.getRGB(x, y)).isEqualTo(picture.getRGB(x, y));
                }
            }
        }
    }

    @Test
    void segmentsMaskIsTheModelsPrediction() throws IOException {
        // a canvas-sized grey scene: the mask's colour at each pixel is the colour of the class the model predicts
        BufferedImage picture = new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_GRAY);
        java.util.SplittableRandom r = new java.util.SplittableRandom(5);
        for (int y = 2; y < 14; y++) {
            for (int x = 3; x < 12; x++) {
                picture.getRaster().setSample(x, y, 0, 100 + r.nextInt(150));
            }
        }
        Path image = shared.resolve("grey.png");
        ImageIO.write(picture, "png", image.toFile());
        Path out = shared.resolve("grey-masks");
        CliRun segment = CliRun.of("segment", "--weights", run.resolve("model.safetensors").toString(), "--out",
                out.toString(), "--backend", "java", image.toString());
        assertThat(segment.exitCode()).as(segment.err()).isZero();
        var file = org.vil4j.segmentation.SegmentationModelFile.read(run.resolve("model.safetensors"));
        var plugins = org.vil4j.api.Plugins.discover();
        int[] predicted;
        try (var ops = plugins.backend("java").open(null)) {
            var model = new org.vil4j.segmentation.SegmentationModel(file.config(), plugins, ops, file.weights(),
                    "test");
            model.prepare(16, 16);
            float[] input = new float[256];
            org.vil4j.training.data.ImageFolder.planes(ImageIO.read(image.toFile()), 1, 16, 16, input, 0);
            file.normalisation().apply(input, 0, 1, 256);
            predicted = org.vil4j.segmentation.SegmentationTrainer.predict(model, input, 1, 16, 16);
        }
        BufferedImage mask = ImageIO.read(out.resolve("grey-mask.png").toFile());
        for (int p = 0; p < 256; p++) {
            assertThat(mask.getRGB(p % 16, p / 16) & 0xFFFFFF).as("pixel %d", p).isEqualTo(
                    org.vil4j.segmentation.SegmentationPictures.colour(predicted[p], file.config().classNames()));
        }
    }

    @Test
    void weightsContinueARunsModel() {
        Path next = shared.resolve("continued");
        CliRun again = CliRun.of("train", "--task", "segmentation", "--data", data.toString(), "--canvas", "16",
                "--scenes", "16", "--test-scenes", "8", "--epochs", "1", "--batch-size", "16", "--seed", "3",
                "--weights", run.resolve("model.safetensors").toString(), "--backend", "java", "--out",
                next.toString());
        assertThat(again.exitCode()).as(again.err()).isZero();
        // the file's structure wins over the defaults (dim 64, 2 pairs): the run's dim 8, 1 pair
        assertThat(again.out()).contains("ViL dim 8, depth 1, patch 4", "from " + run.resolve("model.safetensors"));
        CliRun wrongCanvas = CliRun.of("train", "--task", "segmentation", "--data", data.toString(), "--canvas",
                "32", "--weights", run.resolve("model.safetensors").toString(), "--backend", "java", "--out",
                shared.resolve("wrong").toString());
        assertThat(wrongCanvas.err().strip()).startsWith("vil: --weights ").endsWith("not 11 at --canvas 32");
    }

    @Test
    void badInputIsOneLineNamingTheOption() {
        CliRun task = CliRun.of("train", "--task", "detection", "--backend", "java");
        assertThat(task.exitCode()).isNotZero();
        assertThat(task.err().strip()).isEqualTo("vil: --task must be classification or segmentation, got 'detection'");
        CliRun canvas = CliRun.of("train", "--task", "segmentation", "--canvas", "30", "--patch", "4", "--data",
                data.toString(), "--backend", "java", "--out", shared.resolve("bad").toString());
        assertThat(canvas.err().strip()).isEqualTo("vil: --canvas 30 is not a multiple of --patch 4");
        CliRun missing = CliRun.of("segment", "--weights", run.resolve("model.safetensors").toString(), "--out",
                shared.resolve("x").toString(), "--backend", "java", shared.resolve("nope.png").toString());
        assertThat(missing.err().strip()).isEqualTo("vil: IMAGE " + shared.resolve("nope.png") + ": no such file");
        CliRun notSegmentation = CliRun.of("segment", "--weights", run.resolve("config.json").toString(), "--out",
                shared.resolve("x").toString(), "--backend", "java", shared.resolve("nope.png").toString());
        assertThat(notSegmentation.exitCode()).isNotZero();
        assertThat(notSegmentation.err().lines().count()).isEqualTo(1);
        assertThat(notSegmentation.err()).startsWith("vil: ").contains("config.json");
    }

    @Test
    void recomputingActivationsIsRefusedRatherThanIgnored(@TempDir Path out) {
        CliRun r = CliRun.of("train", "--task", "segmentation", "--data", data.toString(), "--canvas", "16",
                "--scenes", "8", "--test-scenes", "4", "--epochs", "1", "--dim", "8", "--depth", "1",
                "--recompute-activations", "always", "--backend", "java", "--out", out.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("vil: --recompute-activations applies to classification training; "
                + "segmentation keeps every activation (lower --batch-size to use less device memory)");
    }

    @Test
    void aLayerDecayOutsideItsRangeIsOneLineBeforeAnythingIsWritten(@TempDir Path out) {
        CliRun r = CliRun.of("train", "--task", "segmentation", "--data", data.toString(), "--canvas", "16",
                "--scenes", "8", "--test-scenes", "4", "--epochs", "1", "--dim", "8", "--depth", "1",
                "--layer-decay", "1.5", "--backend", "java", "--out", out.resolve("run").toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("vil: invalid training option: layer-wise decay (--layer-decay) must "
                + "be in (0, 1], got 1.5");
        assertThat(out.resolve("run")).doesNotExist();
    }

    /** PoCL with the arena bounded to 16 MiB: the pixel-level fuse of a 32x32 batch of 32 needs far more. */
    @Test
    void aStepThatDoesNotFitNamesTheSegmentationRemedies(@TempDir Path out) {
        String property = "vil4j.opencl.maxArenaMiB"; // OpenCLBackend.MAX_ARENA_PROPERTY
        System.setProperty(property, "16");
        CliRun r;
        try {
            r = CliRun.of("train", "--task", "segmentation", "--data", data.toString(), "--canvas", "32",
                    "--scenes", "32", "--test-scenes", "4", "--epochs", "1", "--batch-size", "32", "--dim", "16",
                    "--depth", "1", "--backend", "opencl", "--device", "cpu", "--loader-threads", "1", "--out",
                    out.toString());
        } finally {
            System.clearProperty(property);
        }
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).startsWith("vil: segmentation step at batch 32 does not fit the device: OpenCL backend: ")
                .contains("do not fit the arena (at most 16777216 bytes)",
                        "; use a smaller --batch-size or --pyramid-scales 2,1,0.5,0.25")
                .doesNotContain("--recompute-activations", "\tat ");
    }
}
