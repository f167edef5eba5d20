"""nibabel, the field's reference NIfTI reader and writer, driven by test/helpers/nibabel.ts (not named
nibabel.py: that would shadow the package). One process runs a list of jobs (python start-up and the
nibabel import cost ~0.3 s each time):

  nibabel_ref.py <jobs.json>   jobs: {"op": "write", "spec": {...}, "out": "x.nii.gz"}
                                     a synthetic volume with blobs at known mm coordinates
                                     {"op": "read", "in": "x.nii.gz", "raw": "x.raw"}
                                     header facts; the first 3-D volume, scaled (get_fdata), written
                                     as little-endian float32, x fastest
  prints one JSON result per job, as a list.
"""
import json
import sys

import nibabel as nib
import numpy as np


def write(spec, out):
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
    noise = spec.get('noise')
    if noise:
        rng = np.random.default_rng(noise.get('seed', 0))
        inside = ~np.isnan(data) & (data != 0)
        data[inside] += rng.normal(0, noise['std'], inside.sum())
        data[inside] = np.round(data[inside], noise.get('decimals', 6))
    # With "scaled", nibabel stores the float values in the integer type and picks scl_slope/scl_inter
    # itself (the way real scaled files are made); otherwise the values are cast as they are.
    scaled = spec.get('scaled', False)
    if np.issubdtype(dtype, np.integer) and not scaled:
        info = np.iinfo(dtype)
        data = np.clip(np.round(np.nan_to_num(data)), info.min, info.max)
    stored = data if scaled else data.astype(dtype)
    if len(shape) > 3:
        stored = np.stack([stored * (1 + t) for t in range(shape[3])], axis=-1).astype(stored.dtype)
    cls = nib.Nifti2Image if spec.get('nifti2') else nib.Nifti1Image
    img = cls(stored, None)
    hdr = img.header
    hdr.set_data_dtype(dtype)
    codes = spec.get('codes', {'sform': 4, 'qform': 0})
    hdr.set_sform(affine, code=codes['sform'])
    hdr.set_qform(spec.get('qform_affine', affine), code=codes['qform'])
    if codes['sform'] == 0 and codes['qform'] == 0:
        hdr['pixdim'][1:4] = spec.get('zooms', [1, 1, 1])
    if spec.get('intent'):
        hdr.set_intent(spec['intent'])
    if spec.get('byteorder') == '>':
        img = cls(stored, None, header=hdr.as_byteswapped('>'))
        img.header.set_data_dtype(dtype)
    img.update_header()
    nib.save(img, out)
    return {'out': out}


def read(path, raw_out):
    img = nib.load(path)
    hdr = img.header
    vol = img.get_fdata()
    while vol.ndim > 3:
        vol = vol[..., 0]
    while vol.ndim < 3:
        vol = vol[..., np.newaxis]
    vol.astype('<f4').ravel(order='F').tofile(raw_out)
    sform, scode = hdr.get_sform(coded=True)
    qform, qcode = hdr.get_qform(coded=True)
    return {
        'shape': list(vol.shape),
        'dtype': img.get_data_dtype().name,
        'affine': img.affine.tolist(),
        'sform_code': int(scode),
        'qform_code': int(qcode),
        'nifti2': isinstance(img, nib.Nifti2Image),
        'slope': float(img.dataobj.slope),
        'inter': float(img.dataobj.inter),
    }


if __name__ == '__main__':
    results = []
    for job in json.load(open(sys.argv[1])):
        if job['op'] == 'write':
            results.append(write(job['spec'], job['out']))
        else:
            try:
                results.append(read(job['in'], job['raw']))
            except Exception as err:  # a broken file: the caller checks that view refuses it too
                results.append({'error': f'{type(err).__name__}: {err}'})
    print(json.dumps(results))
