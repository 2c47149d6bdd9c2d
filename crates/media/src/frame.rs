//! Planar I420 (YUV 4:2:0) frames, the format the H.264 encoder eats and the decoder gives.

/// A tightly packed I420 picture: a full-resolution luma plane and two chroma planes at half
/// width and half height. Width and height are even.
#[derive(Clone, PartialEq, Eq)]
pub struct I420Frame {
    width: usize,
    height: usize,
    y: Vec<u8>,
    u: Vec<u8>,
    v: Vec<u8>,
}

impl std::fmt::Debug for I420Frame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "I420Frame({}x{})", self.width, self.height)
    }
}

impl I420Frame {
    /// A black frame. Odd sizes are rounded up to even, as 4:2:0 chroma needs.
    pub fn new(width: usize, height: usize) -> Self {
        let width = width + (width & 1);
        let height = height + (height & 1);
        let chroma = (width / 2) * (height / 2);
        Self {
            width,
            height,
            y: vec![16; width * height],
            u: vec![128; chroma],
            v: vec![128; chroma],
        }
    }

    /// Copies planes given with arbitrary strides (as a decoder hands them out) into a packed
    /// frame. Returns `None` if the size is odd or a plane is shorter than its stride and
    /// size say.
    pub fn from_strided(
        width: usize,
        height: usize,
        planes: (&[u8], &[u8], &[u8]),
        strides: (usize, usize, usize),
    ) -> Option<Self> {
        let mut frame = Self::new(2, 2);
        frame.copy_from_strided(width, height, planes, strides)?;
        Some(frame)
    }

    /// Like [`from_strided`](Self::from_strided) but into this frame, reusing its buffers
    /// when the size is unchanged. On `None` the frame content is unspecified.
    pub fn copy_from_strided(
        &mut self,
        width: usize,
        height: usize,
        planes: (&[u8], &[u8], &[u8]),
        strides: (usize, usize, usize),
    ) -> Option<()> {
        if !width.is_multiple_of(2) || !height.is_multiple_of(2) || width == 0 || height == 0 {
            return None;
        }
        if self.width != width || self.height != height {
            *self = Self::new(width, height);
        }
        copy_plane(&mut self.y, width, height, planes.0, strides.0)?;
        copy_plane(&mut self.u, width / 2, height / 2, planes.1, strides.1)?;
        copy_plane(&mut self.v, width / 2, height / 2, planes.2, strides.2)?;
        Some(())
    }

    pub fn width(&self) -> usize {
        self.width
    }

    pub fn height(&self) -> usize {
        self.height
    }

    pub fn y(&self) -> &[u8] {
        &self.y
    }

    pub fn u(&self) -> &[u8] {
        &self.u
    }

    pub fn v(&self) -> &[u8] {
        &self.v
    }

    /// Mutable access to the three planes at once (luma, Cb, Cr).
    pub fn planes_mut(&mut self) -> (&mut [u8], &mut [u8], &mut [u8]) {
        (&mut self.y, &mut self.u, &mut self.v)
    }
}

fn copy_plane(
    dst: &mut [u8],
    width: usize,
    height: usize,
    src: &[u8],
    stride: usize,
) -> Option<()> {
    if stride < width {
        return None;
    }
    for (row, dst_row) in dst.chunks_exact_mut(width).take(height).enumerate() {
        let start = row * stride;
        dst_row.copy_from_slice(src.get(start..start + width)?);
    }
    Some(())
}

impl openh264::formats::YUVSource for I420Frame {
    fn dimensions(&self) -> (usize, usize) {
        (self.width, self.height)
    }

    fn strides(&self) -> (usize, usize, usize) {
        (self.width, self.width / 2, self.width / 2)
    }

    fn y(&self) -> &[u8] {
        &self.y
    }

    fn u(&self) -> &[u8] {
        &self.u
    }

    fn v(&self) -> &[u8] {
        &self.v
    }
}
