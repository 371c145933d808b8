package org.vil4j.training.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A folder tree in torchvision's ImageFolder layout: {@code root/<class>/**}{@code /<image>}, classes sorted by
 * folder name (that order gives the label), images sorted by path. Images are decoded on each read (nothing is held
 * but the file list, so a large tree costs no memory) and resized to a fixed size with bilinear interpolation.
 */
public final class ImageFolder implements Dataset {
    private static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "gif");

    private final Path root;
    private final int channels;
    private final int height;
    private final int width;
    private final List<String> classNames;
    private final List<Path> files;
    private final int[] labels;

    private final long maxPixels;

    /** @param channels 3 for RGB, 1 for grayscale (ITU-R 601 luma, as PIL's convert("L")) */
    public ImageFolder(Path root, int channels, int height, int width) {
        this(root, channels, height, width, ImageDecoding.DEFAULT_MAX_PIXELS);
    }

    /** @param maxPixels the largest image (width x height, from its header) decoded; larger ones are an error */
    public ImageFolder(Path root, int channels, int height, int width, long maxPixels) {
        this.maxPixels = ImageDecoding.checkLimit(maxPixels);
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("an image folder yields 1 (grayscale) or 3 (RGB) channels, not "
                    + channels);
        }
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("image size " + height + "x" + width + " is not positive");
        }
        this.root = Objects.requireNonNull(root);
        this.channels = channels;
        this.height = height;
        this.width = width;
        if (!Files.isDirectory(root)) {
            throw new DatasetException("image folder " + root + " is not a directory");
        }
        List<Path> classFolders = list(root).stream().filter(Files::isDirectory)
                .filter(folder -> !folder.getFileName().toString().startsWith(".")).sorted().toList();
        if (classFolders.isEmpty()) {
            throw new DatasetException("image folder " + root + " has no class sub-folders");
        }
        List<String> names = new ArrayList<>();
        List<Path> images = new ArrayList<>();
        List<Integer> imageLabels = new ArrayList<>();
        for (Path classFolder : classFolders) {
            List<Path> classImages = imagesUnder(classFolder);
            if (classImages.isEmpty()) {
                throw new DatasetException("class folder " + classFolder + " holds no images (" + String.join(", ",
                        EXTENSIONS.stream().sorted().toList()) + ")");
            }
            for (Path image : classImages) {
                images.add(image);
                imageLabels.add(names.size());
            }
            names.add(classFolder.getFileName().toString());
        }
        this.classNames = List.copyOf(names);
        this.files = List.copyOf(images);
        this.labels = imageLabels.stream().mapToInt(Integer::intValue).toArray();
    }

    private static List<Path> list(Path folder) {
        try (Stream<Path> entries = Files.list(folder)) {
            return entries.toList();
        } catch (IOException e) {
            throw new DatasetException("cannot list " + folder + ": " + e, e);
        }
    }

    private static List<Path> imagesUnder(Path classFolder) {
        try (Stream<Path> entries = Files.walk(classFolder)) {
            return entries.filter(Files::isRegularFile).filter(ImageFolder::isImage).sorted().toList();
        } catch (IOException e) {
            throw new DatasetException("cannot list " + classFolder + ": " + e, e);
        }
    }

    private static boolean isImage(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return !name.startsWith(".") && dot > 0
                && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    @Override
    public String name() {
        return "image-folder/" + root.getFileName();
    }

    @Override
    public int size() {
        return files.size();
    }

    @Override
    public int channels() {
        return channels;
    }

    @Override
    public int height() {
        return height;
    }

    @Override
    public int width() {
        return width;
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    @Override
    public int label(int index) {
        return labels[Objects.checkIndex(index, labels.length)];
    }

    /** The image file behind {@code index}, for messages. */
    public Path file(int index) {
        return files.get(index);
    }

    @Override
    public void image(int index, float[] target, int offset) {
        Objects.checkFromIndexSize(offset, channels * height * width, target.length);
        Path file = files.get(index);
        BufferedImage image = ImageDecoding.read(file, maxPixels);
        planes(image, channels, height, width, target, offset);
    }

    /**
     * An image as {@code channels} planes in [0, 1], stretched to height x width (bilinear): how this dataset reads
     * its files, and how a model trained on such images sees any image.
     */
    public static void planes(BufferedImage image, int channels, int height, int width, float[] target, int offset) {
        int sourceWidth = image.getWidth();
        int sourceHeight = image.getHeight();
        // getRGB converts every colour model (grey, palette, 16-bit, alpha) to 8-bit sRGB; alpha is dropped like PIL's
        // convert("RGB")
        int[] argb = image.getRGB(0, 0, sourceWidth, sourceHeight, null, 0, sourceWidth);
        float[] planes = new float[channels * sourceHeight * sourceWidth];
        int plane = sourceHeight * sourceWidth;
        for (int i = 0; i < plane; i++) {
            float red = (argb[i] >> 16 & 0xFF) / 255f;
            float green = (argb[i] >> 8 & 0xFF) / 255f;
            float blue = (argb[i] & 0xFF) / 255f;
            if (channels == 1) {
                planes[i] = 0.299f * red + 0.587f * green + 0.114f * blue;
            } else {
                planes[i] = red;
                planes[plane + i] = green;
                planes[2 * plane + i] = blue;
            }
        }
        for (int c = 0; c < channels; c++) {
            BilinearResize.plane(planes, c * plane, sourceHeight, sourceWidth, target,
                    offset + c * height * width, height, width);
        }
    }}
