"""nibabel, the field's reference NIfTI reader and writer, driven by test/helpers/nibabel.ts (not named nibabel.py: it would shadow the package).

  nibabel_ref.py write <spec.json> <out.nii[.gz]>   a synthetic volume with blobs at known mm coordinates
  nibabel_ref.py read <in.nii[.gz]> <out.raw>       prints header facts as JSON; writes the first 3-D volume,
                                                scaled (get_fdata), as little-endian float32, x fastest
"""
import json
import sys

import nibabel as nib
import numpy as np


def write(spec_path, out):
    spec = json.load(open(spec_path))
    shape = tuple(spec['shape'])
    affine = np.array(spec['affine'], dtype=float)
    dtype = np.dtype(spec['dtype']).newbyteorder(spec.get('byteorder', '<'))
    ijk = np.indices(shape[:3]).reshape(3, -1)
    xyz = (affine[:3, :3] @ ijk + affine[:3, 3:4]).T.reshape(shape[:3] + (3,))
    background = spec.get('background', 0.0)
    data = np.full(shape[:3], background if background is not None else np.nan, dtype=float)
    brain = spec.get('brain')
    if brain:
        c = np.array(brain['centre'], dtype=float)
        r = np.array(brain['radii'], dtype=float)
        inside = (((xyz - c) / r) ** 2).sum(-1) <= 1
        data[inside] = brain['value']
    for blob in spec.get('blobs', []):
        d = np.linalg.norm(xyz - np.array(blob['mm'], dtype=float), axis=-1)
        inside = d <= blob['radius']
        data[inside] = blob['value'] * (1 - 0.5 * d[inside] / blob['radius'])
    slope, inter = spec.get('slope'), spec.get('inter', 0.0)
    if len(shape) > 3:
        data = np.stack([data * (1 + t) for t in range(shape[3])], axis=-1)
    if slope:
        stored = np.round((np.nan_to_num(data) - inter) / slope)
    else:
        stored = data
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        stored = np.clip(np.nan_to_num(stored), info.min, info.max)
    stored = stored.astype(dtype)
    cls = nib.Nifti2Image if spec.get('nifti2') else nib.Nifti1Image
    img = cls(stored, None)
    hdr = img.header
    hdr.set_data_dtype(dtype)
    codes = spec.get('codes', {'sform': 4, 'qform': 0})
    hdr.set_sform(affine, code=codes['sform'])
    hdr.set_qform(spec.get('qform_affine', affine), code=codes['qform'])
    if codes['sform'] == 0 and codes['qform'] == 0:
        hdr['pixdim'][1:4] = spec.get('zooms', [1, 1, 1])
    if slope:
        hdr['scl_slope'] = slope
        hdr['scl_inter'] = inter
    if spec.get('intent'):
        hdr.set_intent(spec['intent'])
    if spec.get('byteorder') == '>':
        img = cls(stored.byteswap().view(stored.dtype.newbyteorder('>')), None, header=hdr.as_byteswapped('>'))
        img.header.set_data_dtype(dtype)
    img.update_header()
    nib.save(img, out)


def read(path, raw_out):
    img = nib.load(path)
    hdr = img.header
    data = np.asanyarray(img.dataobj)
    vol = img.get_fdata()
    while vol.ndim > 3:
        vol = vol[..., 0]
    while vol.ndim < 3:
        vol = vol[..., np.newaxis]
    vol.astype('<f4').ravel(order='F').tofile(raw_out)
    sform, scode = hdr.get_sform(coded=True)
    qform, qcode = hdr.get_qform(coded=True)
    print(json.dumps({
        'shape': list(vol.shape),
        'dtype': str(data.dtype.newbyteorder('=')).replace('>', '').replace('<', ''),
        'affine': img.affine.tolist(),
        'sform_code': int(scode),
        'qform_code': int(qcode),
        'nifti2': isinstance(img, nib.Nifti2Image),
    }))


if __name__ == '__main__':
    {'write': write, 'read': read}[sys.argv[1]](*sys.argv[2:])
